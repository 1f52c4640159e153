namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>A fact that drives Linux system calls (epoll, accept4, eventfd); skipped, with the reason, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "kernel-epoll drives Linux system calls";
        }
    }
}
