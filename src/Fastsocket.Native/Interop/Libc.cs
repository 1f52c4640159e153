using System.Runtime.InteropServices;

namespace Fastsocket.Native.Interop;

/// <summary>
/// The few libc calls the library makes itself. Linked directly (DirectPInvoke in the project), so no dlopen happens
/// at run time and an interposer in front of the library cannot route these calls back into it by name lookup.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>The calling thread's errno.</summary>
    [LibraryImport("libc", EntryPoint = "__errno_location")]
    internal static partial int* ErrnoLocation();

    /// <summary>eventfd(2).</summary>
    [LibraryImport("libc", EntryPoint = "eventfd")]
    internal static partial int EventFd(uint initval, int flags);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int fd);

    /// <summary>write(2).</summary>
    [LibraryImport("libc", EntryPoint = "write")]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>read(2).</summary>
    [LibraryImport("libc", EntryPoint = "read")]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    /// <summary>dup3(2).</summary>
    [LibraryImport("libc", EntryPoint = "dup3")]
    internal static partial int Dup3(int oldFd, int newFd, int flags);

    /// <summary>O_CLOEXEC, for dup3.</summary>
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>EFD_NONBLOCK | EFD_CLOEXEC.</summary>
    internal const int EventFdFlags = 0x800 | 0x80000;

    /// <summary>Sets the calling thread's errno.</summary>
    internal static void SetErrno(int value) => *ErrnoLocation() = value;
}
