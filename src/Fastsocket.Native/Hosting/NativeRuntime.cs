namespace Fastsocket.Native.Hosting;

/// <summary>
/// The stack the library's prefixed exports (<c>fastsocket_socket</c> ...) serve: the one packetdrill's init made, or
/// the one a host (an LD_PRELOAD interposer's init) attached. One per process, as the kernel's stack is.
/// </summary>
internal static class NativeRuntime
{
    private static NativeStack? _current;

    /// <summary>The attached stack, or null.</summary>
    public static NativeStack? Current => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="stack"/> the process's stack.</summary>
    public static void Attach(NativeStack stack) => Volatile.Write(ref _current, stack);

    /// <summary>Forgets <paramref name="stack"/> if it is the current one.</summary>
    public static void Detach(NativeStack stack) => Interlocked.CompareExchange(ref _current, null, stack);
}
