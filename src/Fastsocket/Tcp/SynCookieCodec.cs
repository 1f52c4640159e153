using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// SYN cookies (RFC 4987 section 3.6): when a listener's half-open queue is full, the SYN-ACK's ISN carries
/// everything the listener would have stored, so the SYN can be answered without keeping state and the connection
/// rebuilt from the returning ACK. The layout follows what Linux does:
/// <code>
/// cookie = H1(4-tuple) + peerIsn + (counter &lt;&lt; 24) + (H2(4-tuple, peerIsn, counter, mssClass) mod 2^22) * 4 + mssClass
/// </code>
/// where counter counts 64-second slots of the stack's clock and H1, H2 are SipHash-2-4 under a secret key. The top
/// 8 bits name the slot (so a decoder knows which H2 to recompute), the low 2 bits the MSS class, and the 22 between
/// are a MAC over both. (Linux adds the class into its 24-bit MAC instead, which leaves the class unauthenticated;
/// the guessing odds are the same 2^-22 per ACK either way.) A cookie is accepted while its slot is the current one
/// or one of the previous <see cref="MaxAgeSlots"/> - 1 (Linux's MAX_SYNCOOKIE_AGE is 2).
/// </summary>
/// <remarks>
/// The options a cookie cannot hold in the ISN (window scale, SACK-permitted) ride in the low bits of our TSval
/// when the SYN carried timestamps (<see cref="EncodeTimestamp"/>), to come back in the ACK's TSecr; without
/// timestamps the connection goes on without them, as Linux does. Allocation-free: the hash input lives on the stack.
/// </remarks>
public sealed class SynCookieCodec
{
    /// <summary>The length of a time slot: 64 seconds, as Linux.</summary>
    public const long SlotMicroseconds = 64_000_000;

    /// <summary>Default number of slots a cookie stays valid in (the current one and the one before).</summary>
    public const int DefaultMaxAgeSlots = 2;

    /// <summary>Low bits of TSval that carry the SYN's options: window scale (4 bits), SACK (1), a reserved bit.</summary>
    public const int TimestampOptionBits = 6;

    private const int CounterShift = 24;
    private const int ClassBits = 2;
    private const uint ClassMask = (1u << ClassBits) - 1;
    private const uint LowMask = (1u << CounterShift) - 1;
    private const uint TimestampOptionMask = (1u << TimestampOptionBits) - 1;
    private const uint WindowScaleMask = 0x0F;
    private const uint NoWindowScale = 0x0F;
    private const uint SackBit = 0x10;
    private const uint ReservedBit = 0x20;
    private const int MaxWindowScale = 14;

    // Two addresses in their 128-bit form, two ports, the peer's ISN, the slot, the MSS class and a tweak byte.
    private const int MessageLength = 16 + 16 + 2 + 2 + 4 + 4 + 1 + 1;

    // Exactly 2^ClassBits entries: the class occupies the cookie's low two bits.
    private static readonly ushort[] s_mssTable = [536, 1300, 1440, 1460];

    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Keys the hashes with 128 bits from the OS CSPRNG and accepts cookies for <see cref="DefaultMaxAgeSlots"/> slots.</summary>
    public SynCookieCodec()
    {
        (_k0, _k1) = SipHash24.RandomKey();
        MaxAgeSlots = DefaultMaxAgeSlots;
    }

    /// <summary>A fixed 128-bit key, for tests and reproducible simulations.</summary>
    public SynCookieCodec(ReadOnlySpan<byte> key, int maxAgeSlots = DefaultMaxAgeSlots)
    {
        // The slot number in a cookie is 8 bits wide; an age near 256 would make old slots ambiguous.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAgeSlots, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxAgeSlots, 16);
        (_k0, _k1) = SipHash24.ReadKey(key);
        MaxAgeSlots = maxAgeSlots;
    }

    /// <summary>How many 64-second slots (the current one included) a cookie is accepted in.</summary>
    public int MaxAgeSlots { get; }

    /// <summary>The MSS classes a cookie can name (Linux's IPv4 table: 536, 1300, 1440 for PPPoE-like links, 1460).</summary>
    public static ReadOnlySpan<ushort> MssTable => s_mssTable;

    /// <summary>
    /// The index of the largest class not above <paramref name="mss"/>; an MSS below the smallest class gets
    /// class 0 (536, the IPv4 default every host must accept, RFC 9293 section 3.7.1), as Linux does.
    /// </summary>
    public static int MssClassFor(ushort mss)
    {
        ReadOnlySpan<ushort> table = s_mssTable;
        for (int i = table.Length - 1; i > 0; i--)
        {
            if (mss >= table[i])
            {
                return i;
            }
        }
        return 0;
    }

    /// <summary>
    /// The ISN of a stateless SYN-ACK for a SYN on <paramref name="key"/> whose sequence number was
    /// <paramref name="peerIsn"/> and whose MSS option said <paramref name="mss"/> (536 when absent);
    /// <paramref name="encodedMss"/> is the MSS class the cookie holds, which is what the connection must use.
    /// </summary>
    public SeqNumber Encode(in FlowKey key, SeqNumber peerIsn, ushort mss, long nowMicroseconds, out ushort encodedMss)
    {
        int mssClass = MssClassFor(mss);
        encodedMss = s_mssTable[mssClass];
        uint slot = SlotAt(nowMicroseconds);
        uint cookie = unchecked(Hash(key, peerIsn, 0, 0, tweak: 1) + peerIsn.Value + (slot << CounterShift) +
                                LowBits(key, peerIsn, slot, (uint)mssClass));
        return new SeqNumber(cookie);
    }

    /// <summary>
    /// Checks the cookie an ACK returned: <paramref name="cookie"/> is the ACK's acknowledgment number minus one and
    /// <paramref name="peerIsn"/> its sequence number minus one. True, with the MSS class the cookie held, when the
    /// cookie was made by this key for this 4-tuple and ISN within the last <see cref="MaxAgeSlots"/> slots.
    /// </summary>
    public bool TryDecode(in FlowKey key, SeqNumber cookie, SeqNumber peerIsn, long nowMicroseconds, out ushort mss)
    {
        mss = 0;
        uint value = unchecked(cookie.Value - Hash(key, peerIsn, 0, 0, tweak: 1) - peerIsn.Value);
        uint now = SlotAt(nowMicroseconds);
        // The slot field is 8 bits: its distance from now, modulo 256, is the cookie's age in slots. The MAC covers
        // the whole slot number, so a cookie 256 slots old does not come back to life when the field wraps.
        uint age = unchecked(now - (value >> CounterShift)) & 0xFFu;
        if (age >= (uint)MaxAgeSlots)
        {
            return false;
        }
        uint slot = unchecked(now - age);
        uint mssClass = value & ClassMask;
        if ((value & LowMask) != LowBits(key, peerIsn, slot, mssClass))
        {
            return false;
        }
        mss = s_mssTable[(int)mssClass];
        return true;
    }

    /// <summary>
    /// Our TSval for a cookie SYN-ACK: <paramref name="tsNow"/> (the connection's usual TSval, offset included) with its
    /// low <see cref="TimestampOptionBits"/> bits replaced by the SYN's window scale (15 meaning none) and
    /// SACK-permitted, and moved one step back when that would put it ahead of <paramref name="tsNow"/>, so that our
    /// timestamps never run backwards once the connection exists (as Linux's cookie_init_timestamp).
    /// </summary>
    public static uint EncodeTimestamp(uint tsNow, bool hasWindowScale, byte windowScale, bool sackPermitted)
    {
        uint options = hasWindowScale ? Math.Min(windowScale, (byte)MaxWindowScale) : NoWindowScale;
        if (sackPermitted)
        {
            options |= SackBit;
        }
        uint ts = (tsNow & ~TimestampOptionMask) | options;
        if (unchecked(ts - tsNow) is not 0 and < 0x8000_0000u)
        {
            ts = unchecked(ts - (TimestampOptionMask + 1));
        }
        return ts;
    }

    /// <summary>
    /// Reads back the options <see cref="EncodeTimestamp"/> put in a TSval, from the TSecr of the ACK that completes
    /// the handshake. False when the bits cannot be ours (the reserved bit set): the ACK is then no valid cookie echo.
    /// Four bits hold 0..14 or 15 for "none", so every other pattern is one <see cref="EncodeTimestamp"/> can make.
    /// </summary>
    public static bool TryDecodeTimestampOptions(uint tsEcr, out bool hasWindowScale, out byte windowScale, out bool sackPermitted)
    {
        uint options = tsEcr & TimestampOptionMask;
        uint scale = options & WindowScaleMask;
        hasWindowScale = scale != NoWindowScale;
        windowScale = hasWindowScale ? (byte)scale : (byte)0;
        sackPermitted = (options & SackBit) != 0;
        if ((options & ReservedBit) != 0)
        {
            hasWindowScale = false;
            windowScale = 0;
            sackPermitted = false;
            return false;
        }
        return true;
    }

    private static uint SlotAt(long nowMicroseconds) => unchecked((uint)(nowMicroseconds / SlotMicroseconds));

    private uint LowBits(in FlowKey key, SeqNumber peerIsn, uint slot, uint mssClass) =>
        ((Hash(key, peerIsn, slot, (byte)mssClass, tweak: 2) << ClassBits) & LowMask) | mssClass;

    private uint Hash(in FlowKey key, SeqNumber peerIsn, uint slot, byte mssClass, byte tweak)
    {
        Span<byte> message = stackalloc byte[MessageLength];
        BinaryPrimitives.WriteUInt64BigEndian(message, key.LocalAddress.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], key.LocalAddress.Low);
        BinaryPrimitives.WriteUInt64BigEndian(message[16..], key.RemoteAddress.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[24..], key.RemoteAddress.Low);
        BinaryPrimitives.WriteUInt16BigEndian(message[32..], key.LocalPort);
        BinaryPrimitives.WriteUInt16BigEndian(message[34..], key.RemotePort);
        // H1 covers the 4-tuple only (the ISN is added in the clear); H2 binds the MAC to the ISN, slot and MSS class.
        BinaryPrimitives.WriteUInt32BigEndian(message[36..], tweak == 1 ? 0 : peerIsn.Value);
        BinaryPrimitives.WriteUInt32BigEndian(message[40..], slot);
        message[44] = mssClass;
        message[45] = tweak;
        return (uint)SipHash24.Hash(_k0, _k1, message);
    }
}
