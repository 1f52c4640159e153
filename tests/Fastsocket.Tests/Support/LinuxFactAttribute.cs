namespace Fastsocket.Tests.Support;

/// <summary>A fact about a Linux system call: skipped, with the reason, on other systems.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux (a Linux system call is under test)";
        }
    }
}
