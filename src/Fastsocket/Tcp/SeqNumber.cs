using System.Runtime.CompilerServices;

namespace Fastsocket.Tcp;

/// <summary>
/// A TCP sequence number: a point on the 2^32 circle of RFC 9293 section 3.4. Ordering is defined by the
/// signed 32-bit difference ("serial number arithmetic", RFC 1982), which is meaningful only while the two
/// numbers are less than 2^31 apart — always true for numbers inside one connection's windows.
/// </summary>
public readonly struct SeqNumber : IEquatable<SeqNumber>, IComparable<SeqNumber>
{
    /// <summary>The 32-bit value.</summary>
    public readonly uint Value;

    /// <summary>A sequence number with the given value.</summary>
    public SeqNumber(uint value) => Value = value;

    /// <summary>Moves forward by <paramref name="delta"/>, modulo 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator +(SeqNumber s, int delta) => new(unchecked(s.Value + (uint)delta));

    /// <summary>Moves back by <paramref name="delta"/>, modulo 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator -(SeqNumber s, int delta) => new(unchecked(s.Value - (uint)delta));

    /// <summary>Signed distance from <paramref name="b"/> to <paramref name="a"/>, modulo 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int operator -(SeqNumber a, SeqNumber b) => unchecked((int)(a.Value - b.Value));

    /// <summary>Modular comparison (RFC 9293 3.4).</summary>
    public static bool operator <(SeqNumber a, SeqNumber b) => a - b < 0;

    /// <summary>Modular comparison (RFC 9293 3.4).</summary>
    public static bool operator <=(SeqNumber a, SeqNumber b) => a - b <= 0;

    /// <summary>Modular comparison (RFC 9293 3.4).</summary>
    public static bool operator >(SeqNumber a, SeqNumber b) => a - b > 0;

    /// <summary>Modular comparison (RFC 9293 3.4).</summary>
    public static bool operator >=(SeqNumber a, SeqNumber b) => a - b >= 0;

    /// <summary>Equal values.</summary>
    public static bool operator ==(SeqNumber a, SeqNumber b) => a.Value == b.Value;

    /// <summary>Different values.</summary>
    public static bool operator !=(SeqNumber a, SeqNumber b) => a.Value != b.Value;

    /// <summary>The later of two sequence numbers.</summary>
    public static SeqNumber Max(SeqNumber a, SeqNumber b) => a >= b ? a : b;

    /// <summary>The earlier of two sequence numbers.</summary>
    public static SeqNumber Min(SeqNumber a, SeqNumber b) => a <= b ? a : b;

    /// <summary>
    /// True when start &lt;= this &lt; endExclusive going forward around the circle. Computed with unsigned
    /// offsets from <paramref name="start"/>, so it stays exact even for ranges wider than 2^31 (the
    /// RFC 9293 section 3.4 acceptability tests are written this way). An empty range contains nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsInRange(SeqNumber start, SeqNumber endExclusive) =>
        unchecked(Value - start.Value) < unchecked(endExclusive.Value - start.Value);

    /// <summary>Circle order relative to <paramref name="other"/>; not a total order, so do not sort wide sets.</summary>
    public int CompareTo(SeqNumber other) => Math.Sign(this - other);

    /// <inheritdoc/>
    public bool Equals(SeqNumber other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SeqNumber other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
