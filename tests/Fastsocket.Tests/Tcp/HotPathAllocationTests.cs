using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp;

public class HotPathAllocationTests
{
    [Fact]
    public void PerSegmentOperations_DoNotAllocate()
    {
        var send = new SendBuffer(64 * 1024);
        var receive = new ReceiveBuffer(64 * 1024);
        var cc = new NewRenoCongestionControl(1460);
        var rto = new RtoEstimator();
        var isn = new IsnGenerator(new byte[16]);
        var table = new TimeWaitTable(16);
        var flow = new FlowKey(IpAddress.FromIPv4(1, 2, 3, 4), 1, IpAddress.FromIPv4(5, 6, 7, 8), 2);
        byte[] payload = new byte[1460];
        byte[] scratch = new byte[1460];
        var blocks = new (int, int)[4];

        void Round()
        {
            send.Append(payload);
            send.CopyTo(0, scratch);
            send.Release(payload.Length);
            receive.Insert(1460, payload);
            receive.GetSackBlocks(blocks);
            receive.Insert(0, payload);
            receive.Read(scratch);
            receive.Read(scratch);
            cc.OnAck(new SeqNumber(1), 1460, 14600, new SeqNumber(100));
            cc.OnDuplicateAck(new SeqNumber(1), 14600, new SeqNumber(100));
            rto.AddSample(1000);
            rto.Backoff();
            isn.Next(flow, 1234);
            table.TryAdd(new TimeWaitRecord(flow, default, default, 10));
            table.TryGet(flow, out _);
            table.Expire(10);
        }

        Round(); // warm up: JIT, pool buckets
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Round();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
