using Fastsocket.Simulation;
using Fastsocket.Tests.Stack;

namespace Fastsocket.Tests.Simulation;

/// <summary>
/// The CI version of the soak: one minute of the full hostile mix. Runs alone (the measurement collection) because it
/// counts process-wide unobserved task exceptions and samples the process's heap.
/// </summary>
[Collection(MeasurementCollection.Name)]
public sealed class SoakTests
{
    [Fact]
    public void One_minute_soak_runs_every_outcome_and_leaves_nothing_behind()
    {
        using var log = new StringWriter();
        SoakReport report = SoakRunner.Run(new SoakSpec { Minutes = 1, Seed = 1 }, log);
        string context = $"{string.Join(", ", report.Connections.Select(static c => $"{c.Key} {c.Value}"))}\n{log}";

        Assert.True(report.ConnectionsLeft == 0, $"{report.ConnectionsLeft} table entries left\n{context}");
        Assert.True(report.UnhandledExceptions == 0, $"{report.UnhandledExceptions} unhandled exceptions\n{context}");
        Assert.True(report.Passed, context);
        Assert.True(report.BytesVerified > 0, context);
        foreach (SoakOutcome expected in new[] { SoakOutcome.Completed, SoakOutcome.Reset, SoakOutcome.Aborted, SoakOutcome.TimedOut })
        {
            Assert.True(report.Connections[expected] > 0, $"no connection ended {expected}\n{context}");
        }
        Assert.True(report.Connections[SoakOutcome.Failed] == 0, $"failed connections\n{context}");
        Assert.True(report.ServerErrors == 0, $"server errors\n{context}");

        // The hostile traffic really arrived and was dropped for the right reasons, and the lossy link really was lossy.
        Assert.True(report.SynFloodPackets > 0 && report.MalformedPackets > 0, context);
        Assert.True(report.Drops.GetValueOrDefault("BadTcpChecksum") > 0, context);
        Assert.True(report.Drops.GetValueOrDefault("MalformedTcpOption") > 0, context);
        Assert.True(report.Faults["lost"] > 0 && report.Faults["corrupted"] > 0 && report.Faults["reordered"] > 0 && report.Faults["duplicated"] > 0, context);
    }
}
