using System.Buffers.Binary;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// One whole short connection through a <see cref="NetworkEngine"/>, as an HTTP/1.0-style server sees it:
/// client SYN, handshake ACK, request; the server answers and closes (response + FIN); client ACK, client FIN;
/// the server enters TIME-WAIT, and the virtual clock then moves past 2MSL so the record expires.
/// Every invocation is a new connection from the next client port (1024..65535, cycling; the previous use of a
/// port has left TIME-WAIT by then). The client's packets are built once; per connection only the source port,
/// the ACK number and TSecr (which echo the server's SYN-ACK) are patched in and the TCP checksum recomputed,
/// about 30 ns of the figure.
/// </summary>
[MemoryDiagnoser]
public class ConnectionBenchmarks
{
    private const ushort FirstPort = 1024;
    private const uint ClientIss = 1_000_000;
    private const uint ClientTsVal = 500_000;
    private const int TsEcrOffset = 28; // in an established segment: NOP NOP TS(8, 10) TSval TSecr after the 20-byte header

    private static readonly byte[] Request = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n"u8.ToArray();
    private static readonly byte[] Response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray();

    private VirtualClock _clock = new();
    private BenchDevice _device = new();
    private NetworkEngine _engine = null!;
    private Server _server = new();
    private byte[] _syn = [];
    private byte[] _handshakeAck = [];
    private byte[] _request = [];
    private byte[] _responseAck = [];
    private byte[] _fin = [];
    private ushort _nextPort = FirstPort;
    private long _clockStep;

    [GlobalSetup]
    public void Setup()
    {
        _clock = new VirtualClock();
        _device = new BenchDevice();
        var config = new TcpConfig();
        _clockStep = config.TimeWaitMicroseconds + 1_000;
        _engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = Packets.Server,
            Device = _device,
            Clock = _clock,
            Tcp = config,
            RandomSeed = 1,
            IsnKey = new byte[16],
        });
        _server = new Server();
        _engine.Listen(Packets.ServerPort, 128, _server);

        uint dataSeq = ClientIss + 1;
        uint finSeq = dataSeq + (uint)Request.Length;
        _syn = Client(ClientIss, 0, TcpFlags.Syn, 64240, Packets.SynOptions(ClientTsVal), []);
        _handshakeAck = Client(dataSeq, 0, TcpFlags.Ack, 502, Packets.TimestampOptions(ClientTsVal + 1, 0), []);
        _request = Client(dataSeq, 0, TcpFlags.Ack | TcpFlags.Psh, 502, Packets.TimestampOptions(ClientTsVal + 2, 0), Request);
        _responseAck = Client(finSeq, 0, TcpFlags.Ack, 502, Packets.TimestampOptions(ClientTsVal + 3, 0), []);
        _fin = Client(finSeq, 0, TcpFlags.Fin | TcpFlags.Ack, 502, Packets.TimestampOptions(ClientTsVal + 4, 0), []);
        if (_handshakeAck[IPv4Header.Length + TsEcrOffset - 6] != TcpOptionKind.Timestamps)
        {
            throw new InvalidOperationException("unexpected option layout in the client's segments");
        }

        // Prove the fixture does what it claims before timing it: each connection is accepted, served,
        // enters TIME-WAIT and leaves it, with no reset, no drop, and the connection object reused.
        const int Rounds = 3;
        for (int i = 0; i < Rounds; i++)
        {
            OpenServeClose();
        }
        EngineStatistics s = _engine.Statistics;
        if (s.ConnectionsAccepted != Rounds || s.TimeWaitEntered != Rounds || _server.Requests != Rounds ||
            s.ResetsSent != 0 || s.Drops.Total != 0 || _engine.ConnectionCount != 0 || _engine.TimeWaitCount != 0 ||
            _engine.PooledConnections != 1)
        {
            throw new InvalidOperationException(
                $"connection fixture broken: accepted={s.ConnectionsAccepted} timeWait={s.TimeWaitEntered} requests={_server.Requests} " +
                $"resets={s.ResetsSent} drops={s.Drops.Total} live={_engine.ConnectionCount} tw={_engine.TimeWaitCount} pooled={_engine.PooledConnections}");
        }
    }

    /// <summary>Passive open, one request and response, server-side close, TIME-WAIT and its expiry.</summary>
    [Benchmark]
    public void OpenServeClose()
    {
        ushort port = _nextPort;
        _nextPort = port == ushort.MaxValue ? FirstPort : (ushort)(port + 1);

        Deliver(_syn, port, 0, 0, patchAck: false);
        uint ack = _device.SynAckSequence + 1;
        uint tsEcr = _device.SynAckTsVal;
        Deliver(_handshakeAck, port, ack, tsEcr, patchAck: true);
        Deliver(_request, port, ack, tsEcr, patchAck: true);
        uint acceptedFin = ack + (uint)Response.Length + 1;
        Deliver(_responseAck, port, acceptedFin, tsEcr, patchAck: true);
        Deliver(_fin, port, acceptedFin, tsEcr, patchAck: true);
        _clock.Advance(_clockStep);
        _engine.Poll();
    }

    private void Deliver(byte[] packet, ushort port, uint ack, uint tsEcr, bool patchAck)
    {
        Span<byte> segment = packet.AsSpan(IPv4Header.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment, port);
        if (patchAck)
        {
            BinaryPrimitives.WriteUInt32BigEndian(segment[8..], ack);
            BinaryPrimitives.WriteUInt32BigEndian(segment[TsEcrOffset..], tsEcr);
        }
        segment[16] = 0;
        segment[17] = 0;
        ulong sum = InternetChecksum.PseudoHeader(Packets.Client, Packets.Server, IpProtocol.Tcp, segment.Length);
        InternetChecksum.Store(segment[16..], InternetChecksum.Finish(InternetChecksum.Accumulate(segment, sum)));
        _device.Deliver(packet);
        _engine.Poll();
    }

    private static byte[] Client(uint seq, uint ack, TcpFlags flags, ushort window, in TcpOptions options, ReadOnlySpan<byte> payload) =>
        Packets.Build(Packets.Client, FirstPort, Packets.Server, Packets.ServerPort, seq, ack, flags, window, options, payload);

    /// <summary>Accepts at once; on the request, writes the response and closes.</summary>
    private sealed class Server : IListenerHandler, ITcpConnectionHandler
    {
        private readonly byte[] _buffer = new byte[4096];

        public long Requests { get; private set; }

        public void OnAcceptable(Listener listener)
        {
            while (listener.TryAccept(out TcpConnection? connection))
            {
                connection!.Handler = this;
            }
        }

        public void OnReadable(TcpConnection connection)
        {
            if (connection.Read(_buffer) > 0)
            {
                Requests++;
                connection.Write(Response);
                connection.Close();
            }
        }

        public void OnConnected(TcpConnection connection, SocketError error)
        {
        }

        public void OnWritable(TcpConnection connection)
        {
        }

        public void OnClosed(TcpConnection connection, SocketError error)
        {
        }
    }
}
