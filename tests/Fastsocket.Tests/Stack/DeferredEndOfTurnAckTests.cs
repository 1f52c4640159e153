using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// NetworkEngine.DeferEndOfTurnAcks, as LD_PRELOAD's inline mode uses it (the engine runs in the program's wait and
/// the program answers only after the wait returns): the quick ACK of a connection's first data stays out of the poll
/// that received it; a reply written before the turn ends carries it, and otherwise it leaves when the turn ends.
/// </summary>
public class DeferredEndOfTurnAckTests
{
    private const uint PeerIss = 1000;
    private static readonly byte[] Request = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();

    [Fact]
    public void AReplyWrittenBeforeTheTurnEndsCarriesTheAckAndNothingElseLeaves()
    {
        (TcpTestBench bench, TcpConnection connection, uint iss) = Receive();

        Assert.Equal(2, connection.Write(new byte[] { 1, 2 }));
        bench.Engine.FlushPending();
        Segment reply = bench.Expect();
        Assert.Equal(PeerIss + 1 + (uint)Request.Length, reply.Ack);
        Assert.Equal(iss + 1, reply.Seq);
        Assert.Equal(2, reply.Payload.Length);

        bench.Engine.SendEndOfTurnAcks();
        bench.ExpectNothing();
    }

    [Fact]
    public void WithoutAReplyTheAckLeavesWhenTheTurnEnds()
    {
        (TcpTestBench bench, _, uint iss) = Receive();

        bench.Engine.SendEndOfTurnAcks();
        Segment ack = bench.Expect();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(iss + 1, ack.Seq);
        Assert.Equal(PeerIss + 1 + (uint)Request.Length, ack.Ack);
        Assert.Empty(ack.Payload);
        Assert.False(bench.Engine.HasEndOfTurnAcks);
    }

    [Fact]
    public void TheAckOfAnUnreadRequestWaitsUntilTheApplicationReadsIt()
    {
        (TcpTestBench bench, TcpConnection connection, uint iss) = Receive();

        // Accepted but not read yet (inline, the program reads at its next wait): the ACK keeps waiting.
        bench.Engine.SendEndOfTurnAcksOfReadConnections();
        bench.ExpectNothing();
        Assert.True(bench.Engine.HasEndOfTurnAcks);

        // Reading opens the window far past what the SYN-ACK offered; the waiting ACK is to carry it, not a window update now.
        Assert.Equal(Request.Length, connection.Read(new byte[100]));
        bench.Engine.FlushPending();
        bench.ExpectNothing();

        bench.Engine.SendEndOfTurnAcksOfReadConnections();
        Segment ack = bench.Expect();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(iss + 1, ack.Seq);
        Assert.Equal(PeerIss + 1 + (uint)Request.Length, ack.Ack);
        Assert.False(bench.Engine.HasEndOfTurnAcks);
        bench.ExpectNothing();
    }

    /// <summary>An accepted connection whose peer's request arrived in a poll of an engine that defers end-of-turn ACKs.</summary>
    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) Receive()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        bench.Engine.DeferEndOfTurnAcks = true;
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        bench.Inject(new Segment { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = PeerIss + 1, Ack = iss + 1, Window = 65535, Payload = Request });
        bench.ExpectNothing();
        Assert.True(bench.Engine.HasEndOfTurnAcks);
        Assert.Equal(Request.Length, connection.Readable);
        return (bench, connection, iss);
    }
}
