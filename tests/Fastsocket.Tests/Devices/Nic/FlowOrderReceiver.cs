using Fastsocket.Devices;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Devices.Nic;

/// <summary>
/// Checks, without allocating, that each flow's packets arrive in sequence and on the queue the NIC's classifier
/// picks for them. Flows are numbered by source port from 10000.
/// </summary>
internal sealed class FlowOrderReceiver : IPacketReceiver
{
    private readonly long[] _next;
    private readonly MultiQueueNic _nic;

    public FlowOrderReceiver(int flows, MultiQueueNic nic)
    {
        _next = new long[flows];
        _nic = nic;
    }

    /// <summary>The queue being polled, set by the test before each poll.</summary>
    public int Queue { get; set; }

    public long Total { get; private set; }

    public long OutOfOrder { get; private set; }

    public long WrongQueue { get; private set; }

    public void Receive(ReadOnlySpan<byte> packet)
    {
        int flow = PacketBuilder.SourcePortOf(packet) - 10_000;
        long sequence = PacketBuilder.TagOf(packet);
        if (sequence != _next[flow])
        {
            OutOfOrder++;
        }

        _next[flow] = sequence + 1;
        if (_nic.Classify(packet) != Queue)
        {
            WrongQueue++;
        }

        Total++;
    }
}
