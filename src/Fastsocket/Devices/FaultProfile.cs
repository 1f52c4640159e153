namespace Fastsocket.Devices;

/// <summary>
/// What one direction of an <see cref="InMemoryLink"/> does wrong. Probabilities are per packet, in [0, 1];
/// the same <see cref="Seed"/> and the same packet sequence always produce the same faults.
/// </summary>
public sealed record FaultProfile
{
    private readonly double _loss;
    private readonly double _duplicate;
    private readonly double _reorder;
    private readonly double _corrupt;
    private readonly long _delayMicroseconds;
    private readonly long _reorderHoldMicroseconds = 1000;

    /// <summary>A perfect wire: the link skips fault injection entirely for it.</summary>
    public static FaultProfile None { get; } = new();

    /// <summary>Probability that a packet is dropped.</summary>
    public double Loss { get => _loss; init => _loss = CheckProbability(value, nameof(Loss)); }

    /// <summary>Probability that a packet is delivered twice.</summary>
    public double Duplicate { get => _duplicate; init => _duplicate = CheckProbability(value, nameof(Duplicate)); }

    /// <summary>Probability that a packet is held back behind the next 1..3 packets (or until <see cref="ReorderHoldMicroseconds"/> pass).</summary>
    public double Reorder { get => _reorder; init => _reorder = CheckProbability(value, nameof(Reorder)); }

    /// <summary>Probability that exactly one bit of a packet is flipped.</summary>
    public double Corrupt { get => _corrupt; init => _corrupt = CheckProbability(value, nameof(Corrupt)); }

    /// <summary>Fixed extra one-way delay, measured on the link's clock from the moment of transmit.</summary>
    public long DelayMicroseconds
    {
        get => _delayMicroseconds;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _delayMicroseconds = value;
        }
    }

    /// <summary>
    /// Longest a reordered packet waits for later packets to overtake it. Without this bound a reordered
    /// packet followed by silence would never arrive, which is loss in disguise.
    /// </summary>
    public long ReorderHoldMicroseconds
    {
        get => _reorderHoldMicroseconds;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _reorderHoldMicroseconds = value;
        }
    }

    /// <summary>Seed of the injector's <see cref="Random"/>; with the same packet sequence the same seed gives the same faults. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>True when the profile cannot alter, delay or reorder any packet, so no injector is needed.</summary>
    public bool IsNone => _loss == 0 && _duplicate == 0 && _reorder == 0 && _corrupt == 0 && _delayMicroseconds == 0;

    private static double CheckProbability(double value, string name)
    {
        // NaN fails both comparisons, so it is rejected too.
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, "A probability must lie in [0, 1].");
        }

        return value;
    }
}
