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

    /// <summary>Builds the 1,048,573-byte block from <paramref name="seed"/>; two sources with the same seed produce the same stream.</summary>
    public PatternSource(int seed)
    {
        _block = new byte[Period];
        new Random(seed).NextBytes(_block);
    }

    /// <summary>Bytes consumed so far: the stream offset the next <see cref="Peek"/> starts at.</summary>
    public long Position => _position;

    /// <summary>The next bytes of the stream, without consuming them (at most up to the end of the period).</summary>
    public ReadOnlySpan<byte> Peek(int maxLength)
    {
        int offset = (int)(_position % Period);
        return _block.AsSpan(offset, Math.Min(maxLength, Period - offset));
    }

    /// <summary>Advances the stream by <paramref name="count"/> bytes, normally what the sender managed to queue from the last <see cref="Peek"/>. Not thread-safe.</summary>
    public void Consume(int count) => _position += count;
}
