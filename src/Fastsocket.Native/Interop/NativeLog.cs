using System.Text;

namespace Fastsocket.Native.Interop;

/// <summary>
/// Lines to stderr, written with one write(2) each: no Console machinery (buffers, encodings, locks) inside a library
/// that runs on other programs' threads, sometimes while they exit.
/// </summary>
internal static unsafe class NativeLog
{
    /// <summary>Writes "libfastsocket: <paramref name="message"/>" and a newline to descriptor 2.</summary>
    public static void Write(string message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes("libfastsocket: " + message + "\n");
        fixed (byte* p = bytes)
        {
            _ = Libc.Write(2, p, (nuint)bytes.Length);
        }
    }
}
