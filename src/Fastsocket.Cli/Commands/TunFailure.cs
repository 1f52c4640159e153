using System.ComponentModel;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// Turns a failure to set up the TUN device into a message that says what is missing and how to run the command,
/// instead of an exception name: the commonest one by far is running without root.
/// </summary>
internal static class TunFailure
{
    /// <summary>
    /// What went wrong creating or addressing TUN device <paramref name="device"/> for <paramref name="command"/>, in
    /// words with the remedy; null when <paramref name="error"/> is not one of the set-up failures known here.
    /// </summary>
    public static string? Explain(Exception error, string command, string device)
    {
        ArgumentNullException.ThrowIfNull(error);
        string detail = error.Message;
        if (error is UnauthorizedAccessException || IsErrno(detail, 1) || IsErrno(detail, 13) ||
            detail.Contains("Operation not permitted", StringComparison.Ordinal) ||
            detail.Contains("Permission denied", StringComparison.Ordinal))
        {
            return $"creating TUN device '{device}' was refused ({detail.Trim()}): '{command}' needs root or the " +
                   $"CAP_NET_ADMIN capability. Run it as root (for example 'sudo fastsocket {command} ...', or 'sudo ip netns " +
                   "exec NAME fastsocket ...' in a network namespace), or from a process that holds CAP_NET_ADMIN.";
        }

        if (detail.Contains("/dev/net/tun", StringComparison.Ordinal) && IsErrno(detail, 2))
        {
            return $"'{command}' needs /dev/net/tun, which does not exist here ({detail.Trim()}): load the tun module " +
                   "('modprobe tun'), or in a container pass the device in (for example 'docker run --device /dev/net/tun " +
                   "--cap-add NET_ADMIN ...').";
        }

        if (error is Win32Exception && detail.Contains("'ip'", StringComparison.Ordinal))
        {
            return $"'{command}' addresses the TUN device with the 'ip' command, which could not be started ({detail.Trim()}): " +
                   "install iproute2.";
        }

        return null;
    }

    // TunDevice's messages end "(errno N)" with the number the system call failed with.
    private static bool IsErrno(string message, int errno) =>
        message.Contains($"(errno {errno})", StringComparison.Ordinal);
}
