namespace Fastsocket.Devices;

/// <summary>Takes packets out of a device during <see cref="IPacketDevice.Poll"/>. The span is valid only during the call.</summary>
public interface IPacketReceiver
{
    /// <summary>Takes one raw IP packet. Called on the polling thread; copy what must outlive the call, since the device reuses the buffer afterwards. Must not throw for bad packets: count them instead.</summary>
    void Receive(ReadOnlySpan<byte> packet);
}
