using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// TcpConfig.LinuxSendBufferAccounting on a connection, as packetdrill's blocking/blocking-write.pkt drives Linux: with
/// SO_SNDBUF 42000 (Linux's double of 21000) a 61000-byte write takes 60000 bytes, stays refused through the ACKs of
/// 10000 and 30000 bytes, and is writeable again at the ACK of 36000.
/// </summary>
public class LinuxSendBufferAccountingTests
{
    private const uint PeerIss = 0;

    [Fact]
    public void AWriterWaitsForTheChunksLinuxWakesItIn()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { LinuxSendBufferAccounting = true });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, new TcpOptions { HasMss = true, Mss = 1000 }, window: 50000);
        connection.SendBufferSize = 42000;
        Assert.Equal(42000, connection.SendBufferSize);

        byte[] data = new byte[61000];
        int taken = connection.Write(data);
        Assert.Equal(50000, taken);
        bench.Engine.FlushPending();
        // The ten segments of the initial window went out of the first buffer; the rest of it fills up again.
        taken += connection.Write(data.AsSpan(taken));
        Assert.Equal(60000, taken);
        Assert.Equal(0, connection.Write(data.AsSpan(taken)));
        Assert.False(connection.IsWriteable);

        Ack(bench, iss, 10000);
        Assert.False(connection.IsWriteable);
        Ack(bench, iss, 30000);
        Assert.False(connection.IsWriteable);
        Assert.Equal(30000, connection.Unacknowledged);
        Ack(bench, iss, 36000);
        Assert.True(connection.IsWriteable);
        Assert.Equal(1000, connection.Write(data.AsSpan(taken)));
    }

    [Fact]
    public void WithoutItSoSndbufCountsPayloadBytes()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        (TcpConnection connection, _) = bench.PassiveEstablished(PeerIss, new TcpOptions { HasMss = true, Mss = 1000 }, window: 50000);
        connection.SendBufferSize = 42000;
        Assert.Equal(42000, connection.Write(new byte[61000]));
        Assert.Equal(0, connection.Writable);
    }

    private static void Ack(TcpTestBench bench, uint iss, int bytes) =>
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = iss + 1 + (uint)bytes, Window = 50000 });
}
