using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>
/// A TCP connection's 4-tuple seen from our side. Family-agnostic: the addresses are <see cref="IpAddress"/>.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public readonly IpAddress LocalAddress;
    public readonly IpAddress RemoteAddress;
    public readonly ushort LocalPort;
    public readonly ushort RemotePort;

    public FlowKey(IpAddress localAddress, ushort localPort, IpAddress remoteAddress, ushort remotePort)
    {
        LocalAddress = localAddress;
        LocalPort = localPort;
        RemoteAddress = remoteAddress;
        RemotePort = remotePort;
    }

    public bool Equals(FlowKey other) =>
        LocalPort == other.LocalPort && RemotePort == other.RemotePort &&
        LocalAddress.Equals(other.LocalAddress) && RemoteAddress.Equals(other.RemoteAddress);

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    /// <summary>A cheap, well-mixed hash for in-process tables (not the RSS hash, which is Toeplitz).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        ulong h = ((ulong)LocalAddress.Fold() << 32) | RemoteAddress.Fold();
        h ^= ((ulong)LocalPort << 16 | RemotePort) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (int)h;
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() => $"{LocalAddress}:{LocalPort} <-> {RemoteAddress}:{RemotePort}";
}
