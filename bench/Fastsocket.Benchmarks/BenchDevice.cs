using Fastsocket.Devices;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// A capture-style device with no queues: one packet waits to be delivered, and whatever the engine transmits
/// is copied into one scratch buffer (the copy <see cref="IPacketDevice.Transmit"/> promises) and dropped.
/// It remembers the sequence number and TSval of the last SYN-ACK so the benchmark can answer it.
/// Nothing here allocates after construction.
/// </summary>
internal sealed class BenchDevice : IPacketDevice
{
    private readonly byte[] _sink = new byte[65536];
    private byte[]? _pending;

    public int Mtu => 1500;

    public long PacketsSent { get; private set; }

    public uint SynAckSequence { get; private set; }

    public uint SynAckTsVal { get; private set; }

    public void Deliver(byte[] packet) => _pending = packet;

    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        byte[]? packet = _pending;
        if (packet is null || maxPackets <= 0)
        {
            return 0;
        }
        _pending = null;
        receiver.Receive(packet);
        return 1;
    }

    public void Transmit(ReadOnlySpan<byte> packet)
    {
        packet.CopyTo(_sink);
        PacketsSent++;
        ReadOnlySpan<byte> tcp = _sink.AsSpan(IPv4Header.Length, packet.Length - IPv4Header.Length);
        if (((TcpFlags)tcp[13] & TcpFlags.Syn) != 0)
        {
            SynAckSequence = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
            int headerLength = (tcp[12] >> 4) * 4;
            SynAckTsVal = TcpOptions.TryParse(tcp[TcpHeader.MinLength..headerLength], out TcpOptions options) ? options.TsVal : 0;
        }
    }

    public void Flush()
    {
    }
}
