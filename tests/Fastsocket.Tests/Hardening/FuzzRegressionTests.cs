using System.Buffers.Binary;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// Inputs for the whole-engine fuzz target (<see cref="FuzzScenario"/>, run by AFL++ from fuzz/): the committed corpus
/// replays cleanly, the harness's patching really reaches the live connections, and every crash the fuzzer finds is
/// pinned here as a regression test (fuzz/README.md says how).
/// </summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void The_committed_corpus_replays_without_a_finding()
    {
        string corpus = Path.Combine(RepositoryRoot(), "fuzz", "corpus");
        string[] inputs = Directory.GetFiles(corpus);
        Assert.NotEmpty(inputs);
        foreach (string input in inputs)
        {
            FuzzScenario.Run(File.ReadAllBytes(input));
        }
    }

    [Fact]
    public void The_scripted_handshakes_leave_three_established_connections()
    {
        var scenario = new FuzzScenario();

        Assert.Equal(3, scenario.Held.Count);
        Assert.All(scenario.Held, c => Assert.Equal(TcpState.Established, c.State));
        Assert.True(scenario.Held[0].TimestampsEnabled);
        Assert.False(scenario.Held[1].TimestampsEnabled);
        Assert.Equal(FuzzScenario.ActivePeerPort, scenario.Held[2].Key.RemotePort);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_segment_patched_onto_a_live_flow_delivers_its_payload(int flow)
    {
        var scenario = new FuzzScenario();
        TcpConnection connection = scenario.Held[flow];

        // SEQ and ACK patched (flags 0b0011), everything else as written: ACK|PSH, data offset 5, 100 bytes.
        byte[] segment = new byte[TcpHeader.MinLength + 100];
        segment[12] = 0x50;
        segment[13] = (byte)(TcpFlags.Ack | TcpFlags.Psh);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(14), 8192);
        scenario.Step(FuzzScenario.Record(FuzzMode.FlowSegment, flow, 0b0011, 0, segment));
        Assert.Equal(100, connection.Readable);

        // The next one follows on from what the peer sent (flag 8), so it is in order too.
        scenario.Step(FuzzScenario.Record(FuzzMode.FlowSegment, flow, 0b1011, 0, segment));
        Assert.Equal(200, connection.Readable);
        scenario.EndAll();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Fastsocket.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Fastsocket.sln above {AppContext.BaseDirectory}");
    }
}
