using System.Collections.Concurrent;

namespace Fastsocket.Simulation;

/// <summary>The soak's counters, updated from every thread: outcomes, verified bytes, unexpected errors and exceptions.</summary>
internal sealed class SoakTally
{
    private const int MaxLoggedErrors = 10;

    private readonly long[] _outcomes = new long[Enum.GetValues<SoakOutcome>().Length];
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private readonly TextWriter? _log;
    private long _bytesVerified;
    private long _unhandled;
    private long _serverErrors;
    private int _logged;

    public SoakTally(TextWriter? log) => _log = log;

    public long BytesVerified => Interlocked.Read(ref _bytesVerified);

    public long UnhandledExceptions => Interlocked.Read(ref _unhandled);

    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    public IReadOnlyList<string> FirstErrors => [.. _firstErrors];

    public void Count(SoakOutcome outcome) => Interlocked.Increment(ref _outcomes[(int)outcome]);

    public long Outcome(SoakOutcome outcome) => Interlocked.Read(ref _outcomes[(int)outcome]);

    public IReadOnlyDictionary<SoakOutcome, long> Outcomes() =>
        Enum.GetValues<SoakOutcome>().ToDictionary(static o => o, Outcome);

    public void Verified(long bytes) => Interlocked.Add(ref _bytesVerified, bytes);

    /// <summary>A client connection ended in a way its scenario did not expect.</summary>
    public void ClientFailure(string scenario, string what) => Log($"client {scenario}: {what}");

    /// <summary>A server-side connection ended in a way its scenario did not expect.</summary>
    public void ServerFailure(string scenario, string what)
    {
        Interlocked.Increment(ref _serverErrors);
        Log($"server {scenario}: {what}");
    }

    /// <summary>An exception nobody should see; counted, and the first few written to the log with their stack.</summary>
    public void Unhandled(string where, Exception exception)
    {
        Interlocked.Increment(ref _unhandled);
        Log($"unhandled exception in {where}: {exception}");
    }

    private void Log(string line)
    {
        if (Interlocked.Increment(ref _logged) <= MaxLoggedErrors)
        {
            _firstErrors.Enqueue(line);
            _log?.WriteLine($"soak: {line}");
        }
    }
}
