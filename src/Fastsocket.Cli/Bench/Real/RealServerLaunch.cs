namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// How to start one server for <c>bench --real</c>: the program and arguments run inside the namespace (under
/// taskset), the environment it needs, the URL the client loads, and how to tell that it is ready: a line on its
/// standard output, or a file it writes once listening (nginx's pid file). <see cref="Unavailable"/> is set instead
/// when the server cannot run here (nginx not installed), so the row says why and the bench goes on.
/// </summary>
internal sealed class RealServerLaunch
{
    /// <summary>The row's design name (<see cref="RealDesigns"/>).</summary>
    public required string Design { get; init; }

    /// <summary><c>tun</c> or <c>loopback</c>.</summary>
    public required string Device { get; init; }

    /// <summary>The URL the client loads, inside the namespace.</summary>
    public required string Url { get; init; }

    /// <summary>The program to run.</summary>
    public string FileName { get; init; } = string.Empty;

    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables added to the bench's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>A line prefix on standard output that says the server is listening; null when <see cref="ReadyFile"/> says it.</summary>
    public string? ReadyMarker { get; init; }

    /// <summary>A file that exists once the server is listening; null when <see cref="ReadyMarker"/> says it.</summary>
    public string? ReadyFile { get; init; }

    /// <summary>A folder made for this server (nginx's prefix), deleted when the row is done; null when none.</summary>
    public string? TemporaryDirectory { get; init; }

    /// <summary>Why this server cannot run here (a missing tool); null when it can.</summary>
    public string? Unavailable { get; init; }
}
