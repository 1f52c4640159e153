namespace Fastsocket.Cli.Commands;

/// <summary>
/// Process exit codes shared by every subcommand, so scripts and CI can tell a wrong result
/// from a wrong invocation from a crash without parsing output.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command ran and its result checked out.</summary>
    public const int Success = 0;

    /// <summary>The command ran but its result is wrong (for <c>transfer</c>: the SHA-256 hashes differ).</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong: unknown flag, missing or invalid value. Matches the BSD/GNU convention for usage errors.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The system refused what the command needs (serve and load: a TUN device without root or CAP_NET_ADMIN, the
    /// message says what is missing), or an exception escaped the command; either way the message went to stderr.
    /// </summary>
    public const int Unexpected = 3;
}
