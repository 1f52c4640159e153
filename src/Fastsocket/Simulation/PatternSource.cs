namespace Fastsocket.Simulation;

/// <summary>
/// A deterministic byte stream for transfers: a block of seeded random bytes whose length is prime, repeated.
/// A prime period means that data delivered at a wrong offset (a reassembly bug) cannot look right by accident,
/// while producing the stream costs only a copy.
/// </summary>
public sealed class PatternSource
{
    private const int Period = 1_048_573;

    private readonly byte[] _block;
    private long _position;

    public PatternSource(int seed)
    {
        _block = new byte[Period];
        new Random(seed).NextBytes(_block);
    }

    public long Position => _position;

    /// <summary>The next bytes of the stream, without consuming them (at most up to the end of the period).</summary>
    public ReadOnlySpan<byte> Peek(int maxLength)
    {
        int offset = (int)(_position % Period);
        return _block.AsSpan(offset, Math.Min(maxLength, Period - offset));
    }

    public void Consume(int count) => _position += count;
}
