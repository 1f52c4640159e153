namespace Fastsocket.Tcp;

/// <summary>
/// The bytes one engine's connections hold in their receive buffers (in-order data not yet read plus out-of-order
/// data), against a budget. Over the budget the engine is "under memory pressure": connections stop opening their
/// windows (each may still open its window until it holds about one segment, so that a reading application keeps moving), and the windows close
/// as data arrives; nothing already announced is taken back and nothing acknowledged is dropped. Engine thread only;
/// other threads may read <see cref="HeldBytes"/> slightly stale.
/// </summary>
public sealed class ReceiveMemoryBudget
{
    /// <summary>A budget that is never exceeded in practice.</summary>
    public const long Unlimited = long.MaxValue;

    /// <summary>Creates a budget of <paramref name="limitBytes"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limitBytes"/> is not positive.</exception>
    public ReceiveMemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        LimitBytes = limitBytes;
    }

    /// <summary>The budget in bytes.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes held now in the receive buffers of the engine's connections.</summary>
    public long HeldBytes { get; private set; }

    /// <summary>Whether the held bytes exceed the budget: windows stop growing.</summary>
    public bool UnderPressure => HeldBytes > LimitBytes;

    /// <summary>Adds <paramref name="deltaBytes"/> (negative when bytes leave); counts each entry into pressure.</summary>
    internal void Charge(int deltaBytes, TcpStatistics statistics)
    {
        bool before = UnderPressure;
        HeldBytes += deltaBytes;
        if (!before && UnderPressure)
        {
            statistics.ReceiveMemoryPressureEvents++;
        }
    }
}
