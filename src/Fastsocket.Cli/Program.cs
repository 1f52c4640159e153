using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Fastsocket.Bench;
using Fastsocket.Cli.Commands;

namespace Fastsocket.Cli;

/// <summary>Entry point of the <c>fastsocket</c> command-line tool.</summary>
internal static class Program
{
    internal const string CommandName = "fastsocket";

    /// <summary>The process entry point: <see cref="Run(string[], TextWriter, TextWriter)"/> on the real console.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs the CLI against the given writers and returns the exit code. Tests call this directly so
    /// they need not spawn processes; <see cref="Main"/> is only this bound to the real console.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, BenchTargets.Default);

    /// <summary>
    /// As <see cref="Run(string[], TextWriter, TextWriter)"/>, with the bench targets to use; tests pass
    /// their own registry (fake targets) instead of the process-wide default.
    /// </summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, BenchTargets benchTargets) =>
        Run(args, stdout, stderr, benchTargets, CancellationToken.None);

    /// <summary>
    /// As <see cref="Run(string[], TextWriter, TextWriter, BenchTargets)"/>, with a token that stops the command the
    /// way Ctrl-C does (tests use it to interrupt a bench without sending a signal).
    /// </summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, BenchTargets benchTargets,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var console = new CliConsole(stdout, stderr);
        var root = BuildRootCommand(console, benchTargets);

        ParseResult parseResult;
        try
        {
            parseResult = root.Parse(args);
        }
        catch (Exception ex)
        {
            return ReportUnexpected(stderr, ex);
        }

        // System.CommandLine's own parse-error action exits with 1, which would be indistinguishable
        // from "transfer ran and the hashes differ". Usage errors (including failed range validators)
        // are reported here instead, one per line, with exit code 2. Help and version requests clear
        // parse errors and get a different action, so `transfer --help` without --bytes still works.
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors)
            {
                stderr.WriteLine($"fastsocket: {error.Message}");
            }

            stderr.WriteLine($"Run '{CommandPath(parseResult.CommandResult.Command)} --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            // The default exception handler prints a stack trace and exits with 1; a crash must be
            // told apart from a hash mismatch, so exceptions are caught below and mapped to 3.
            var invocation = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                // The parser's own Ctrl-C handling gives up on the command two seconds after the signal and lets the
                // process end under it: no partial bench table, no result files, the terminal's cursor left hidden.
                // Each command handles Ctrl-C itself (StopSignal) and winds down through its normal path instead.
                ProcessTerminationTimeout = null,
            };
            return parseResult.InvokeAsync(invocation, cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            return ReportUnexpected(stderr, ex);
        }
    }

    /// <summary>
    /// The command tree. New subcommands (bench, serve, load) are one class each under Commands/
    /// and one line here.
    /// </summary>
    internal static Command BuildRootCommand(CliConsole console, BenchTargets benchTargets)
    {
        // A plain Command rather than RootCommand: RootCommand takes its name from the executable,
        // which is "Fastsocket.Cli", "dotnet" or a test host depending on how it is started, and that
        // name appears in help and error text. The help and version options RootCommand would add are
        // added by hand; HelpOption is recursive, so every subcommand gets --help too.
        var root = new Command(CommandName, "Fastsocket.NET: a user-space TCP/IP stack following the Fastsocket design.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(new TransferCommand(console));
        root.Subcommands.Add(new BenchCommand(console, benchTargets));
        root.Subcommands.Add(new ServeCommand(console));
        root.Subcommands.Add(new LoadCommand(console));
        root.Subcommands.Add(new SoakCommand(console));
        Commands.OptionValidation.UseReadableNumberErrors(root);
        return root;
    }

    private static int ReportUnexpected(TextWriter stderr, Exception ex)
    {
        stderr.WriteLine($"fastsocket: unexpected error: {ex.GetType().Name}: {ex.Message}");
        return ExitCodes.Unexpected;
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? current = command; current is not null; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(current.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
