using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Stack;

/// <summary>The VFS layer of a stack without light sockets: descriptors lowest-first, two global locks to open, two to close.</summary>
public class SharedSocketVfsTests
{
    [Fact]
    public void OpenAndCloseTakeTwoGlobalLocksEach()
    {
        var files = new SharedSocketVfs();
        var statistics = new EngineStatistics();
        var connection = new TcpConnection();
        int descriptor = files.Open(connection, statistics);
        Assert.Equal(2, statistics.LockAcquisitions);
        Assert.Equal(1, files.OpenCount);
        Assert.Same(connection, files.Find(descriptor));
        files.Close(descriptor, statistics);
        Assert.Equal(4, statistics.LockAcquisitions);
        Assert.Equal(0, files.OpenCount);
        Assert.Null(files.Find(descriptor));
    }

    [Fact]
    public void DescriptorsAreTheLowestFreeNumbersAndTheTableGrows()
    {
        var files = new SharedSocketVfs();
        var statistics = new EngineStatistics();
        var descriptors = new List<int>();
        for (int i = 0; i < 3000; i++)
        {
            descriptors.Add(files.Open(new TcpConnection(), statistics));
        }
        Assert.Equal(Enumerable.Range(0, 3000), descriptors);
        files.Close(1500, statistics);
        files.Close(7, statistics);
        // As POSIX requires of open(2) and accept(2): the lowest number not open.
        Assert.Equal(7, files.Open(new TcpConnection(), statistics));
        Assert.Equal(1500, files.Open(new TcpConnection(), statistics));
        Assert.Equal(3000, files.Open(new TcpConnection(), statistics));
        Assert.Equal(3001, files.OpenCount);
    }

    [Fact]
    public void ClosingADescriptorThatIsNotOpenIsABug()
    {
        var files = new SharedSocketVfs();
        var statistics = new EngineStatistics();
        int descriptor = files.Open(new TcpConnection(), statistics);
        files.Close(descriptor, statistics);
        Assert.Throws<InvalidOperationException>(() => files.Close(descriptor, statistics));
    }
}
