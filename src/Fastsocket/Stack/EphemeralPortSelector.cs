using System.Buffers.Binary;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// Where an engine starts its walk for a free ephemeral port: RFC 6056 section 3.3.4, algorithm 4 ("double-hash
/// port selection"), which is also what Linux does. A keyed hash of the destination gives each peer its own
/// starting point (an off-path attacker cannot guess it), and a small table of counters, indexed by a second keyed
/// hash, moves that point on by one for every connection made. Connections to one server therefore take its ports
/// in turn and come back to a port only after the whole range has been used.
/// </summary>
/// <remarks>
/// A random start per connection (algorithm 1) may hand out a port that closed a moment ago. When the server
/// closed first, its TIME-WAIT for that 4-tuple then sees a SYN with the same timestamp and an ISN barely past the
/// old one, refuses it (RFC 6191), and the client waits a whole SYN retransmission timeout: a one-second stall for
/// a fraction of a percent of connections, which at hundreds of thousands of connections a second is most of the
/// latency tail. Walking the range in turn spaces reuses of a port as far apart as the range allows.
/// </remarks>
public sealed class EphemeralPortSelector
{
    private const int TableSize = 256;

    // Two 16-byte addresses in their 128-bit form, the remote port and a tweak byte: IPv4 and IPv6 hash alike.
    private const int MessageLength = 35;

    private readonly ulong _k0;
    private readonly ulong _k1;
    private readonly uint[] _perturbation = new uint[TableSize];

    /// <summary>Keys the hashes with 128 bits from the OS CSPRNG.</summary>
    public EphemeralPortSelector()
    {
        (_k0, _k1) = SipHash24.RandomKey();
    }

    /// <summary>Keys the hashes from a seed, for reproducible simulations and tests.</summary>
    public EphemeralPortSelector(int seed)
    {
        var random = new Random(seed);
        _k0 = (ulong)random.NextInt64();
        _k1 = (ulong)random.NextInt64();
    }

    /// <summary>
    /// The index, in a range of <paramref name="count"/> candidate ports, at which to start looking for a port
    /// towards <paramref name="remote"/>:<paramref name="remotePort"/>; <paramref name="slot"/> is what to pass
    /// to <see cref="Advance"/> once a port is taken.
    /// </summary>
    public int Start(in IpAddress local, in IpAddress remote, ushort remotePort, int count, out int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        uint offset = Hash(local, remote, remotePort, tweak: 1);
        slot = (int)(Hash(local, remote, remotePort, tweak: 2) % TableSize);
        return (int)(unchecked(offset + _perturbation[slot]) % (uint)count);
    }

    /// <summary>After a port was taken <paramref name="steps"/> candidates past the start: the next walk starts beyond it.</summary>
    public void Advance(int slot, int steps) => _perturbation[slot] = unchecked(_perturbation[slot] + (uint)steps + 1);

    private uint Hash(in IpAddress local, in IpAddress remote, ushort remotePort, byte tweak)
    {
        Span<byte> message = stackalloc byte[MessageLength];
        BinaryPrimitives.WriteUInt64BigEndian(message, local.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], local.Low);
        BinaryPrimitives.WriteUInt64BigEndian(message[16..], remote.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[24..], remote.Low);
        BinaryPrimitives.WriteUInt16BigEndian(message[32..], remotePort);
        message[34] = tweak;
        return (uint)SipHash24.Hash(_k0, _k1, message);
    }
}
