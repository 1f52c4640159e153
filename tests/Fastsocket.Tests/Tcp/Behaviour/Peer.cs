using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Small helpers shared by the behaviour tests: reaching ESTABLISHED actively, payloads, draining output.</summary>
internal static class Peer
{
    public const ushort ActivePort = 50000;
    public const uint PeerIss = 5000;

    /// <summary>Opens actively, lets <paramref name="rttMicros"/> of virtual time pass, answers with a SYN-ACK carrying <paramref name="synAckOptions"/>, and consumes our ACK.</summary>
    public static (TcpConnection Connection, Segment Syn, Segment Ack) ActiveEstablished(this TcpTestBench bench, TcpOptions synAckOptions,
        long rttMicros = 0, ushort window = 65535)
    {
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        if (rttMicros > 0)
        {
            bench.Advance(rttMicros);
            bench.ExpectNothing();
        }
        bench.Inject(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = PeerIss, Ack = syn.Seq + 1, Window = window, Options = synAckOptions },
            toPort: ActivePort);
        Segment ack = bench.Expect(Flags(TcpFlags.Ack), Seq(syn.Seq + 1), Ack(PeerIss + 1));
        bench.ExpectNothing();
        Assert.Equal(TcpState.Established, connection.State);
        return (connection, syn, ack);
    }

    /// <summary>A peer segment to our active side (port 50000).</summary>
    public static void InjectActive(this TcpTestBench bench, Segment segment) => bench.Inject(segment, toPort: ActivePort);

    /// <summary>Writes all of <paramref name="data"/> and flushes, as the end of an application callback would.</summary>
    public static void WriteAndFlush(this TcpTestBench bench, TcpConnection connection, byte[] data)
    {
        Assert.Equal(data.Length, connection.Write(data));
        bench.Engine.FlushPending();
    }

    /// <summary>Every segment sent so far.</summary>
    public static List<Segment> Drain(this TcpTestBench bench)
    {
        var list = new List<Segment>();
        while (bench.Device.Sent.Count > 0)
        {
            list.Add(bench.Expect());
        }
        return list;
    }

    public static byte[] Data(int length, int seed = 0)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(i * 7 + seed);
        }
        return data;
    }

    public static TcpOptions Mss(ushort mss = 1460) => new() { HasMss = true, Mss = mss };
}
