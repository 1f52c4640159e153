namespace Fastsocket.Tests.Interop;

/// <summary>A finished command: exit code and what it printed.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
