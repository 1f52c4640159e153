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

    [Fact]
    public void An_orphaned_connection_facing_a_zero_window_from_a_silent_peer_times_out()
    {
        // Found by the whole-engine target (end-of-input check): the peer advertises a zero window and then says
        // nothing more; the application writes a byte and closes. The persist timer probed for ever, so the
        // connection stayed in the table with nobody left to end it. Records: a zero-window ACK patched onto flow 1,
        // a one-byte write and a close on connection 1.
        byte[] input = Convert.FromHexString("3600001400000000000000000000000050100000000000000700000037000000");

        FuzzScenario.Run(input); // throws "tables not empty" while probes never give up
    }

    [Fact]
    public void A_held_connection_facing_a_zero_window_from_a_silent_peer_times_out()
    {
        // The same stall with the application still holding the connection: like Linux (tcp_retries2 probes
        // unanswered), the engine gives up and reports a timeout rather than wait for ever on a dead peer.
        var scenario = new FuzzScenario();
        TcpConnection connection = scenario.Held[1];
        ReadOnlySpan<byte> records = Convert.FromHexString("36000014000000000000000000000000501000000000000007000000");
        records = records[scenario.Step(records)..]; // the zero-window ACK
        scenario.Step(records); // the one-byte write, which now waits behind the closed window
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Equal(1, connection.Unacknowledged);

        for (int minute = 0; minute < 240 && connection.State != TcpState.Closed; minute++)
        {
            scenario.Clock.Advance(60_000_000);
            scenario.Engine.Poll();
        }

        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(System.Net.Sockets.SocketError.TimedOut, connection.Error);
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
