namespace Fastsocket.Interop;

/// <summary>The kernel's id of the calling thread, where the OS has one we can read.</summary>
internal static class ThreadIdentity
{
    /// <summary>gettid(2) on Linux; 0 elsewhere, or where the C library predates it (glibc before 2.30).</summary>
    public static int TryGetNativeThreadId()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        try
        {
            return Libc.GetTid();
        }
        catch (EntryPointNotFoundException)
        {
            return 0;
        }
        catch (DllNotFoundException)
        {
            return 0;
        }
    }
}
