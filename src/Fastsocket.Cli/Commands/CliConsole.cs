namespace Fastsocket.Cli.Commands;

/// <summary>
/// The writers a command prints to. Passed in rather than read from <see cref="Console"/> so tests
/// can run the whole CLI in-process and inspect what it printed.
/// </summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error);
