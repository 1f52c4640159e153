using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// The per-engine resource limits: a connection limit (SYNs dropped and counted, Connect fails with ENOBUFS) and a
/// receive memory budget under which windows stop growing, never shrink, and nothing acknowledged is dropped.
/// </summary>
public sealed class ResourceLimitTests
{
    private const ushort Port = 80;
    private const uint PeerIss = 5000;

    private sealed class Bench
    {
        public Bench(int maxConnections = EngineOptions.DefaultMaxConnections, long receiveMemory = EngineOptions.DefaultReceiveMemoryBudget,
            TcpConfig? config = null)
        {
            Engine = new NetworkEngine(new EngineOptions
            {
                LocalAddress = TcpTestBench.Local,
                Device = Device,
                Clock = Clock,
                Tcp = config ?? new TcpConfig(),
                RandomSeed = 1,
                IsnKey = new byte[16],
                MaxConnections = maxConnections,
                ReceiveMemoryBudget = receiveMemory,
            });
        }

        public VirtualClock Clock { get; } = new();

        public CaptureDevice Device { get; } = new();

        public NetworkEngine Engine { get; }

        public RecordingHandler Handler { get; } = new();

        public void Send(ushort fromPort, TcpFlags flags, uint seq, uint ack = 0, byte[]? payload = null)
        {
            TcpOptions options = (flags & TcpFlags.Syn) != 0 ? TcpTestBench.MssOnly : default;
            Device.Deliver(TcpTestBench.FromPeer(fromPort, Port)
                .Flags(flags).Seq(seq).Ack(ack).Payload(payload ?? []).Window(65535).Options(options).Build());
            Engine.Poll();
        }

        public List<Segment> Drain()
        {
            var sent = new List<Segment>();
            while (Device.Sent.Count > 0)
            {
                sent.Add(TcpTestBench.Parse(Device.Sent.Dequeue()));
            }
            return sent;
        }

        /// <summary>A passive connection from <paramref name="fromPort"/>, accepted; returns it and our ISS.</summary>
        public (TcpConnection Connection, uint Iss) Establish(ushort fromPort)
        {
            Send(fromPort, TcpFlags.Syn, PeerIss);
            Segment synAck = Assert.Single(Drain());
            Send(fromPort, TcpFlags.Ack, PeerIss + 1, synAck.Seq + 1);
            Assert.True(Handler.Listener!.TryAccept(out TcpConnection? connection));
            return (connection!, synAck.Seq);
        }
    }

    [Fact]
    public void AtTheConnectionLimitSynsAreDroppedAndCountedAndConnectFailsWithNoBufferSpace()
    {
        var bench = new Bench(maxConnections: 2);
        bench.Engine.Listen(Port, 16, bench.Handler);
        bench.Send(41000, TcpFlags.Syn, PeerIss);
        bench.Send(41001, TcpFlags.Syn, PeerIss);
        Assert.Equal(2, bench.Drain().Count);

        bench.Send(41002, TcpFlags.Syn, PeerIss);
        Assert.Empty(bench.Drain());
        Assert.Equal(1, bench.Engine.Statistics.Drops[DropReason.ConnectionLimit]);
        Assert.Equal(1, bench.Engine.Statistics.ConnectionLimitDrops);
        Assert.Equal(2, bench.Engine.ConnectionCount);

        SocketException e = Assert.Throws<SocketException>(() =>
            bench.Engine.Connect(TcpTestBench.Remote, 443, bench.Handler));
        Assert.Equal(SocketError.NoBufferSpaceAvailable, e.SocketErrorCode);
        Assert.Equal(2, bench.Engine.Statistics.ConnectionLimitDrops);
        Assert.Equal(2, bench.Engine.ConnectionCount);

        // A half-open connection reset by its peer frees its place: the next SYN is answered.
        bench.Send(41000, TcpFlags.Rst, PeerIss + 1);
        Assert.Equal(1, bench.Engine.ConnectionCount);
        bench.Send(41002, TcpFlags.Syn, PeerIss);
        Segment synAck = Assert.Single(bench.Drain());
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(1, bench.Engine.Statistics.Drops[DropReason.ConnectionLimit]);
    }

    [Fact]
    public void AStackSharesItsLimitsOutOverItsCores()
    {
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 4, QueuesB = 1 });
        using var stack = new FastsocketStack(new StackOptions
        {
            Cores = 4,
            LocalAddress = TcpTestBench.Local,
            Device = wire.A,
            PinThreads = false,
            MaxConnections = 10,
            ReceiveMemoryBudget = 4_000_000,
        });
        Assert.All(stack.Cores, c => Assert.Equal(3, c.Engine.MaxConnections));
        Assert.All(stack.Cores, c => Assert.Equal(1_000_000, c.Engine.ReceiveMemory.LimitBytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastsocketStack(new StackOptions
        {
            Cores = 1,
            LocalAddress = TcpTestBench.Local,
            Device = wire.A,
            PinThreads = false,
            MaxConnections = 0,
        }));
    }

    [Fact]
    public void OverTheReceiveMemoryBudgetWindowsStopGrowingNeverShrinkAndAcknowledgedDataIsKept()
    {
        const int buffer = 16384;
        var bench = new Bench(receiveMemory: 10_000, config: new TcpConfig { ReceiveBufferSize = buffer });
        bench.Engine.Listen(Port, 16, bench.Handler);
        (TcpConnection a, uint issA) = bench.Establish(41000);
        (TcpConnection b, uint issB) = bench.Establish(41001);
        uint edgeA = PeerIss + 1 + buffer;
        uint edgeB = PeerIss + 1 + buffer;

        // Right edges (ACK + window) of everything sent: never behind the edge announced before.
        void CheckEdges(List<Segment> sent, bool underPressure)
        {
            foreach (Segment s in sent)
            {
                ref uint edge = ref s.DestinationPort == 41000 ? ref edgeA : ref edgeB;
                uint announced = s.Ack + s.Window;
                Assert.True((int)(announced - edge) >= 0, $"the right edge moved back: {announced} < {edge} in {s}");
                if (underPressure)
                {
                    Assert.Equal(edge, announced);
                }
                edge = announced;
            }
        }

        // 8000 bytes on A: within the budget, nothing changes.
        uint seqA = PeerIss + 1;
        for (int i = 0; i < 8; i++, seqA += 1000)
        {
            bench.Send(41000, TcpFlags.Ack, seqA, issA + 1, new byte[1000]);
        }
        CheckEdges(bench.Drain(), underPressure: false);
        Assert.False(bench.Engine.ReceiveMemory.UnderPressure);

        // 3000 more: 11000 held > 10000. From now on no window grows.
        for (int i = 0; i < 3; i++, seqA += 1000)
        {
            bench.Send(41000, TcpFlags.Ack, seqA, issA + 1, new byte[1000]);
        }
        Assert.True(bench.Engine.ReceiveMemory.UnderPressure);
        Assert.Equal(1, bench.Engine.Statistics.ReceiveMemoryPressureEvents);
        List<Segment> acks = bench.Drain();
        CheckEdges(acks, underPressure: false);
        bench.Engine.Poll();

        // B, holding nothing, takes data inside the window it already announced; its edge stays put.
        uint seqB = PeerIss + 1;
        for (int i = 0; i < 2; i++, seqB += 1000)
        {
            bench.Send(41001, TcpFlags.Ack, seqB, issB + 1, new byte[1000]);
        }
        // A's peer fills A's window to the edge it was promised: all of it is taken.
        while (seqA != edgeA)
        {
            int length = (int)Math.Min(1000, edgeA - seqA);
            bench.Send(41000, TcpFlags.Ack | TcpFlags.Psh, seqA, issA + 1, new byte[length]);
            seqA += (uint)length;
        }
        bench.Clock.Advance(50_000);
        bench.Engine.Poll();
        List<Segment> pressured = bench.Drain();
        CheckEdges(pressured, underPressure: true);
        Assert.Contains(pressured, s => s.DestinationPort == 41000 && s.Ack == edgeA && s.Window == 0);
        Assert.Contains(pressured, s => s.DestinationPort == 41001 && s.Ack == seqB);
        Assert.Equal(buffer, a.Readable);
        Assert.Equal(2000, b.Readable);
        Assert.Equal(0, bench.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);
        Assert.Equal(buffer + 2000, bench.Engine.ReceiveMemory.HeldBytes);

        // The application reads A: back under the budget, A's window opens again at once.
        Assert.Equal(buffer, a.Read(new byte[buffer]));
        Assert.False(bench.Engine.ReceiveMemory.UnderPressure);
        bench.Engine.FlushPending();
        Segment update = Assert.Single(bench.Drain());
        Assert.Equal(seqA, update.Ack);
        Assert.Equal(buffer, update.Window);
        Assert.Equal(2000, bench.Engine.ReceiveMemory.HeldBytes);

        // Closing returns what B still held.
        b.Abort();
        b.Close();
        Assert.Equal(0, bench.Engine.ReceiveMemory.HeldBytes);
    }
}
