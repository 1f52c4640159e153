using Fastsocket.Tcp;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>SO_SNDBUF on an open connection (TcpConnection.SendBufferSize): the buffer takes the new size at once, never below what it holds.</summary>
public class SendBufferSizeTests
{
    [Fact]
    public void AConnectedSocketsSendBufferResizesAndNeverDropsWhatItHolds()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        (TcpConnection connection, _) = bench.PassiveEstablished(9000);
        connection.SendBufferSize = 3000;
        Assert.Equal(3000, connection.Write(Peer.Data(5000)));
        Assert.Equal(0, connection.Writable);

        // Shrinking below the bytes held keeps them: the size stops at what is there.
        connection.SendBufferSize = 1000;
        Assert.Equal(3000, connection.SendBufferSize);

        connection.SendBufferSize = 4000;
        Assert.Equal(1000, connection.Writable);
    }
}
