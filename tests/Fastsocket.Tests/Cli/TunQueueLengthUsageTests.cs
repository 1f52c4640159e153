using Fastsocket.Cli;

namespace Fastsocket.Tests.Cli;

/// <summary><c>--tun-queue-len</c> of serve and load: out of the kernel's range is a usage error (exit 2) naming the flag and the range, before any device is made.</summary>
public sealed class TunQueueLengthUsageTests
{
    [Theory]
    [InlineData("serve", "0")]
    [InlineData("serve", "65537")]
    [InlineData("serve", "many")]
    [InlineData("load", "0")]
    public void Out_of_range_queue_length_exits_2_and_names_the_flag(string command, string value)
    {
        string[] args = command == "serve"
            ? ["serve", "--tun", "fsq0", "--address", "198.18.22.2/24", "--host-address", "198.18.22.1", "--tun-queue-len", value]
            : ["load", "http://198.18.22.1/", "--tun", "fsq0", "--address", "198.18.22.2/24", "--host-address", "198.18.22.1", "--requests", "1", "--tun-queue-len", value];
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = Program.Run(args, stdout, stderr);
        Assert.Equal(2, exitCode);
        Assert.Contains("'--tun-queue-len'", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString());
    }
}
