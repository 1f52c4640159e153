namespace Fastsocket.Interop;

/// <summary>The Linux errno values the TUN device tells apart.</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOENT = 2;
    public const int EPERM = 1;
}
