using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

/// <summary>Pins the calling thread to one CPU, where the OS lets us (Linux); elsewhere it reports that it could not.</summary>
internal static class ThreadAffinity
{
    public static bool TryPinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu < 0 || cpu >= 64)
        {
            return false;
        }
        ulong mask = 1UL << cpu;
        try
        {
            return Libc.SchedSetAffinity(0, sizeof(ulong), ref mask) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    public static int LastError => Marshal.GetLastPInvokeError();
}
