using System.Net.Sockets;
using CsCheck;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// Random packet sequences, valid and mangled, driven into engines with open connections. After every packet and
/// every poll: no exception has escaped, every live connection has SND.UNA &lt;= SND.NXT and its buffers within their
/// capacity; at the end, once every connection is ended and the clock has passed every timer, every table is empty.
/// The CI-sized companion of the AFL++ harness in fuzz/ (see fuzz/README.md).
/// </summary>
public sealed class EnginePropertyTests
{
    private static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    private const ushort ServerPort = 80;
    private const int BufferSize = 8 * 1024;
    private const int Connections = 3;

    /// <summary>What happens to the packet at the head of one direction's queue, or which application call is made.</summary>
    internal enum StepKind
    {
        Deliver,
        Drop,
        Duplicate,
        Reorder,
        FlipBit,
        FlipBitFixChecksum,
        Truncate,
        Write,
        Read,
        Shutdown,
        Close,
        Abort,
        Tick,
    }

    /// <summary>One generated step: the kind, the direction or connection, and two parameters.</summary>
    internal readonly record struct Step(StepKind Kind, int Target, int A, int B)
    {
        public override string ToString() => $"{Kind}({Target},{A},{B})";
    }

    private static readonly Gen<Step> StepGen =
        Gen.Frequency(
            (12, Gen.Select(Gen.Int[0, 1], t => new Step(StepKind.Deliver, t, 0, 0))),
            (2, Gen.Select(Gen.Int[0, 1], t => new Step(StepKind.Drop, t, 0, 0))),
            (1, Gen.Select(Gen.Int[0, 1], t => new Step(StepKind.Duplicate, t, 0, 0))),
            (1, Gen.Select(Gen.Int[0, 1], t => new Step(StepKind.Reorder, t, 0, 0))),
            (2, Gen.Select(Gen.Int[0, 1], Gen.Int[0, 1600], Gen.Int[0, 7], (t, a, b) => new Step(StepKind.FlipBit, t, a, b))),
            (3, Gen.Select(Gen.Int[0, 1], Gen.Int[20, 80], Gen.Int[0, 7], (t, a, b) => new Step(StepKind.FlipBitFixChecksum, t, a, b))),
            (1, Gen.Select(Gen.Int[0, 1], Gen.Int[0, 80], (t, a) => new Step(StepKind.Truncate, t, a, 0))),
            (4, Gen.Select(Gen.Int[0, 2 * Connections - 1], Gen.Int[1, 6000], (t, a) => new Step(StepKind.Write, t, a, 0))),
            (3, Gen.Select(Gen.Int[0, 2 * Connections - 1], Gen.Int[1, 9000], (t, a) => new Step(StepKind.Read, t, a, 0))),
            (1, Gen.Select(Gen.Int[0, 2 * Connections - 1], t => new Step(StepKind.Shutdown, t, 0, 0))),
            (1, Gen.Select(Gen.Int[0, 2 * Connections - 1], t => new Step(StepKind.Close, t, 0, 0))),
            (1, Gen.Select(Gen.Int[0, 2 * Connections - 1], t => new Step(StepKind.Abort, t, 0, 0))),
            (3, Gen.Select(Gen.Int[0, 20], t => new Step(StepKind.Tick, 0, t, 0))));

    [Fact]
    public void Two_engines_with_a_mangler_between_them_keep_their_invariants()
    {
        StepGen.Array[1, 120].Sample(steps =>
        {
            var world = new TwoEngines();
            foreach (Step step in steps)
            {
                world.Apply(step);
                world.CheckInvariants(step);
            }
            world.EndAllAndCheckTablesEmpty();
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Scripted_peer_records_keep_the_engine_invariants()
    {
        // Records in the AFL harness's format (FuzzScenario), biased towards segments patched onto the live flows.
        Gen<byte[]> record = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 15], Gen.Byte, Gen.Byte.Array[0, 120],
            (mode, selector, flags, clock, body) => FuzzScenario.Record((FuzzMode)(mode == 0 ? 2 : mode), selector, flags, (byte)(clock & 0x7F), WithTcpHeader(body)));
        record.Array[1, 40].Sample(records =>
        {
            var scenario = new FuzzScenario();
            foreach (byte[] r in records)
            {
                scenario.Step(r);
                CheckConnections(scenario.Held, "scripted");
            }
            scenario.EndAll();
        }, iter: 200, threads: 1);
    }

    private static byte[] WithTcpHeader(byte[] body)
    {
        // A data offset of 5 most of the time, so that generated bodies reach the state machine rather than the parser.
        if (body.Length >= 13 && (body[12] & 0x80) == 0)
        {
            body[12] = 0x50;
        }
        return body;
    }

    /// <summary>SND.UNA &lt;= SND.NXT and buffers within capacity for each live connection the application holds.</summary>
    internal static void CheckConnections(IEnumerable<TcpConnection?> connections, string context)
    {
        foreach (TcpConnection? c in connections)
        {
            if (c is null || c.ApplicationReleased)
            {
                continue;
            }
            if (c.SendUnacknowledged > c.SendNext)
            {
                throw new InvalidOperationException($"{context}: SND.UNA {c.SendUnacknowledged} > SND.NXT {c.SendNext} on {c.Key} in {c.State}");
            }
            if (c.Readable < 0 || c.Readable > c.ReceiveBufferCapacity)
            {
                throw new InvalidOperationException($"{context}: receive buffer {c.Readable}/{c.ReceiveBufferCapacity} on {c.Key}");
            }
            if (c.Unacknowledged < 0 || c.Unacknowledged > c.SendBufferCapacity || c.Writable < 0 || c.Writable > c.SendBufferCapacity)
            {
                throw new InvalidOperationException(
                    $"{context}: send buffer {c.Unacknowledged}+{c.Writable}/{c.SendBufferCapacity} on {c.Key}");
            }
        }
    }

    /// <summary>A client and a server engine whose packets pass through queues the test delivers, drops or mangles.</summary>
    private sealed class TwoEngines : IListenerHandler
    {
        private readonly VirtualClock _clock = new();
        private readonly QueueDevice[] _devices = [new(), new()]; // [0]: client transmits, [1]: server transmits
        private readonly NetworkEngine[] _engines;
        private readonly Listener _listener;
        private readonly byte[] _scratch = new byte[9000];
        private readonly byte[] _data = new byte[6000];

        public TwoEngines()
        {
            var config = new TcpConfig { SendBufferSize = BufferSize, ReceiveBufferSize = BufferSize };
            _engines =
            [
                new NetworkEngine(new EngineOptions { LocalAddress = ClientAddress, Device = _devices[0], Clock = _clock, Tcp = config, RandomSeed = 1, IsnKey = new byte[16] }),
                new NetworkEngine(new EngineOptions { LocalAddress = ServerAddress, Device = _devices[1], Clock = _clock, Tcp = config, RandomSeed = 2, IsnKey = new byte[16] }),
            ];
            _listener = _engines[1].Listen(ServerPort, 16, this);
            for (int i = 0; i < Connections; i++)
            {
                Held[i] = _engines[0].Connect(ServerAddress, ServerPort, null);
            }
            for (int round = 0; round < 20 && !AllConnected(); round++)
            {
                DeliverAll();
            }
            if (!AllConnected())
            {
                throw new InvalidOperationException("handshakes did not complete");
            }
        }

        /// <summary>Client connections at 0..Connections-1, the server's accepted ones after them; null once closed.</summary>
        public TcpConnection?[] Held { get; } = new TcpConnection?[2 * Connections];

        private int _accepted;

        public void OnAcceptable(Listener listener)
        {
            while (listener.TryAccept(out TcpConnection? connection))
            {
                if (_accepted < Connections)
                {
                    Held[Connections + _accepted++] = connection;
                }
                else
                {
                    connection!.Close();
                }
            }
        }

        private bool AllConnected() => Held.All(c => c is { IsConnected: true });

        public void Apply(Step step)
        {
            switch (step.Kind)
            {
                case StepKind.Deliver:
                case StepKind.Drop:
                case StepKind.Duplicate:
                case StepKind.Reorder:
                case StepKind.FlipBit:
                case StepKind.FlipBitFixChecksum:
                case StepKind.Truncate:
                    Transfer(step);
                    break;
                case StepKind.Tick:
                    _clock.Advance(1L << step.A);
                    Poll();
                    break;
                default:
                    ApplicationCall(step);
                    break;
            }
        }

        private void Transfer(Step step)
        {
            Queue<byte[]> queue = _devices[step.Target].Sent;
            NetworkEngine receiver = _engines[1 - step.Target];
            if (!queue.TryDequeue(out byte[]? packet))
            {
                return;
            }
            switch (step.Kind)
            {
                case StepKind.Drop:
                    return;
                case StepKind.Duplicate:
                    receiver.Receive(packet);
                    break;
                case StepKind.Reorder:
                    queue.Enqueue(packet);
                    return;
                case StepKind.FlipBit:
                    packet[step.A % packet.Length] ^= (byte)(1 << step.B);
                    break;
                case StepKind.FlipBitFixChecksum:
                    // A well-formed packet with one wrong header or payload bit: it passes the checksum and reaches TCP.
                    packet[step.A % packet.Length] ^= (byte)(1 << step.B);
                    FixTcpChecksum(packet);
                    break;
                case StepKind.Truncate:
                    packet = packet.AsSpan(0, Math.Min(step.A, packet.Length)).ToArray();
                    break;
                default:
                    break;
            }
            receiver.Receive(packet);
            Poll();
        }

        private static void FixTcpChecksum(byte[] packet)
        {
            int headerLength = (packet[0] & 15) * 4;
            if (packet.Length < headerLength + TcpHeader.MinLength || headerLength < IPv4Header.Length || packet[9] != IpProtocol.Tcp)
            {
                return;
            }
            Span<byte> segment = packet.AsSpan(headerLength);
            segment[16] = 0;
            segment[17] = 0;
            ulong sum = InternetChecksum.PseudoHeader(IpAddress.FromIPv4Bytes(packet.AsSpan(12, 4)), IpAddress.FromIPv4Bytes(packet.AsSpan(16, 4)),
                IpProtocol.Tcp, segment.Length);
            InternetChecksum.Store(segment[16..], InternetChecksum.Finish(InternetChecksum.Accumulate(segment, sum)));
        }

        private void ApplicationCall(Step step)
        {
            TcpConnection? connection = Held[step.Target];
            if (connection is null)
            {
                return;
            }
            switch (step.Kind)
            {
                case StepKind.Write:
                    connection.Write(_data.AsSpan(0, step.A));
                    break;
                case StepKind.Read:
                    connection.Read(_scratch.AsSpan(0, step.A));
                    break;
                case StepKind.Shutdown:
                    connection.Shutdown();
                    break;
                case StepKind.Close:
                    Held[step.Target] = null;
                    connection.Close();
                    break;
                default:
                    connection.Abort();
                    break;
            }
            FlushAll();
        }

        private void Poll()
        {
            _engines[0].Poll();
            _engines[1].Poll();
        }

        private void FlushAll()
        {
            _engines[0].FlushPending();
            _engines[1].FlushPending();
        }

        private void DeliverAll()
        {
            for (int side = 0; side < 2; side++)
            {
                Queue<byte[]> queue = _devices[side].Sent;
                for (int n = queue.Count; n > 0 && queue.TryDequeue(out byte[]? packet); n--)
                {
                    _engines[1 - side].Receive(packet);
                }
            }
            Poll();
        }

        public void CheckInvariants(Step step) => CheckConnections(Held, $"after {step}");

        public void EndAllAndCheckTablesEmpty()
        {
            for (int i = 0; i < Held.Length; i++)
            {
                Held[i]?.Abort();
                Held[i]?.Close();
                Held[i] = null;
            }
            _engines[1].CloseListener(_listener);
            // Four virtual hours in one-minute steps, delivering whatever is sent: past every retransmission limit,
            // FIN-WAIT-2 timeout and TIME-WAIT.
            for (int i = 0; i < 240 && !TablesEmpty(); i++)
            {
                DeliverAll();
                _clock.Advance(60_000_000);
                Poll();
            }
            if (!TablesEmpty())
            {
                throw new InvalidOperationException(
                    $"tables not empty: client live={_engines[0].ConnectionCount} tw={_engines[0].TimeWaitCount}, " +
                    $"server live={_engines[1].ConnectionCount} tw={_engines[1].TimeWaitCount}");
            }
        }

        private bool TablesEmpty() =>
            _engines[0].ConnectionCount == 0 && _engines[0].TimeWaitCount == 0 && _engines[1].ConnectionCount == 0 && _engines[1].TimeWaitCount == 0;
    }

    /// <summary>Keeps a copy of every transmitted packet for the test to deliver; polls nothing (the test calls Receive).</summary>
    private sealed class QueueDevice : IPacketDevice
    {
        public Queue<byte[]> Sent { get; } = new();

        public int Mtu => 1500;

        public int Poll(IPacketReceiver receiver, int maxPackets) => 0;

        public void Transmit(ReadOnlySpan<byte> packet)
        {
            // Bounded: a runaway sender cannot grow the queue past what a real link would hold.
            if (Sent.Count < 4096)
            {
                Sent.Enqueue(packet.ToArray());
            }
        }

        public void Flush()
        {
        }
    }
}
