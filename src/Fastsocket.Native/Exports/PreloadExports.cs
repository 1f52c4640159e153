using System.Net;
using System.Runtime.InteropServices;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Interop;

namespace Fastsocket.Native.Exports;

/// <summary>
/// What the LD_PRELOAD interposer (<c>preload/fastsocket-preload.c</c>) calls to start the process's stack: start
/// (attach the TUN device, build the engine) and run (the engine thread's body, on a thread the interposer created).
/// </summary>
internal static unsafe class PreloadExports
{
    private static PreloadHost? _host;

    /// <summary>
    /// int fastsocket_preload_start(const char *device, const char *address, int engine_thread): 0, or -1 with a line
    /// on stderr. With engine_thread 0 the caller drives the engine through fastsocket_preload_poll.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_preload_start")]
    public static int Start(byte* device, byte* address, int engineThread)
    {
        try
        {
            string deviceName = Marshal.PtrToStringUTF8((nint)device) ?? "";
            // "198.18.0.2" or "198.18.0.2/24": the prefix belongs to the kernel's side, which the caller configured.
            string text = Marshal.PtrToStringUTF8((nint)address) ?? "";
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            IPAddress local = IPAddress.Parse(slash < 0 ? text : text[..slash]);
            PreloadHost host = PreloadHost.Start(deviceName, local, engineThread != 0);
            _host = host;
            NativeRuntime.Attach(host.Stack);
            return 0;
        }
        catch (Exception e)
        {
            NativeLog.Write($"fastsocket_preload_start failed: {e.Message}");
            return -1;
        }
    }

    /// <summary>
    /// int fastsocket_preload_poll(int max_ms): runs the engine once; returns the milliseconds until its next timer
    /// (at most max_ms), or -1 when no stack was started.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_preload_poll")]
    public static int Poll(int maxMilliseconds)
    {
        try
        {
            return _host is null ? -1 : _host.RunOnce(maxMilliseconds);
        }
        catch (Exception e)
        {
            NativeLog.Write($"engine failed: {e}");
            return 0;
        }
    }

    /// <summary>
    /// void fastsocket_preload_exit(int max_ms): at process exit, closes the sockets still open and waits until what
    /// the program wrote has been acknowledged, at most max_ms (<see cref="PreloadHost.Exit"/>).
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_preload_exit")]
    public static void Exit(int maxMilliseconds)
    {
        try
        {
            _host?.Exit(maxMilliseconds);
        }
        catch (Exception e)
        {
            NativeLog.Write($"exit drain failed: {e}");
        }
    }

    /// <summary>void fastsocket_preload_run(void): the engine loop; returns only if no stack was started.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_preload_run")]
    public static void Run()
    {
        try
        {
            _host?.Run();
        }
        catch (Exception e)
        {
            NativeLog.Write($"engine thread stopped: {e}");
        }
    }
}
