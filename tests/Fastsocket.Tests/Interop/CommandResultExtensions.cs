namespace Fastsocket.Tests.Interop;

internal static class CommandResultExtensions
{
    public static CommandResult EnsureSuccess(this CommandResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"command failed: {result}");
        }
        return result;
    }
}
