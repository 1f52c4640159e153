namespace Fastsocket.Devices;

/// <summary>Takes packets out of a device during <see cref="IPacketDevice.Poll"/>. The span is valid only during the call.</summary>
public interface IPacketReceiver
{
    void Receive(ReadOnlySpan<byte> packet);
}
