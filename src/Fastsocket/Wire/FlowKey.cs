using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>
/// A TCP connection's 4-tuple seen from our side. Family-agnostic: the addresses are <see cref="IpAddress"/>.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>Our address: the destination of a received packet, the source of a sent one.</summary>
    public readonly IpAddress LocalAddress;
    /// <summary>The peer's address.</summary>
    public readonly IpAddress RemoteAddress;
    /// <summary>Our port, in host byte order.</summary>
    public readonly ushort LocalPort;
    /// <summary>The peer's port, in host byte order.</summary>
    public readonly ushort RemotePort;

    /// <summary>Creates the key for a connection seen from our side; note the local pair comes first.</summary>
    /// <param name="localAddress">Our address.</param>
    /// <param name="localPort">Our port, host byte order.</param>
    /// <param name="remoteAddress">The peer's address.</param>
    /// <param name="remotePort">The peer's port, host byte order.</param>
    public FlowKey(IpAddress localAddress, ushort localPort, IpAddress remoteAddress, ushort remotePort)
    {
        LocalAddress = localAddress;
        LocalPort = localPort;
        RemoteAddress = remoteAddress;
        RemotePort = remotePort;
    }

    /// <summary>True when all four fields match; direction matters, so a key and its mirror image differ.</summary>
    public bool Equals(FlowKey other) =>
        LocalPort == other.LocalPort && RemotePort == other.RemotePort &&
        LocalAddress.Equals(other.LocalAddress) && RemoteAddress.Equals(other.RemoteAddress);

    /// <inheritdoc/>
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

    /// <summary>Same as <see cref="Equals(FlowKey)"/>.</summary>
    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    /// <summary>Negation of <see cref="Equals(FlowKey)"/>.</summary>
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    /// <summary>"local:port &lt;-&gt; remote:port", for logs and test messages; allocates.</summary>
    public override string ToString() => $"{LocalAddress}:{LocalPort} <-> {RemoteAddress}:{RemotePort}";
}
