namespace Fastsocket.Stack;

/// <summary>
/// The port arithmetic of Receive Flow Deliver for an arbitrary ephemeral range: with N cores and
/// mask = 2^ceil(log2 N) - 1, an active connection on local port p belongs to core p &amp; mask, so a reply can be
/// steered from its destination port alone. The range no longer needs bit 15: only the low bits name the core, and
/// "is this an active port" is a range test rather than a bit test (see <see cref="IsInRange"/>).
/// </summary>
/// <remarks>
/// When N is not a power of two, the owners N..mask have no core and their ports are never handed out; a range
/// therefore gives each core about (last - first + 1) / (mask + 1) ports, not / N.
/// </remarks>
public static class ReceiveFlowDeliverPorts
{
    /// <summary>2^ceil(log2 <paramref name="cores"/>) - 1; 0 for one core.</summary>
    public static int MaskFor(int cores)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cores);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cores, 1 << 15);
        int bits = 0;
        while ((1 << bits) < cores)
        {
            bits++;
        }
        return (1 << bits) - 1;
    }

    /// <summary>The core an active port belongs to (may be &gt;= the core count when N is not a power of two).</summary>
    public static int OwnerOf(int port, int mask) => port & mask;

    /// <summary>Whether <paramref name="port"/> lies in the ephemeral range [<paramref name="first"/>, <paramref name="last"/>] (empty when last &lt; first).</summary>
    public static bool IsInRange(int port, int first, int last) => port >= first && port <= last;

    /// <summary>How many ports p in [<paramref name="first"/>, <paramref name="last"/>] have p &amp; mask == <paramref name="core"/>.</summary>
    public static int PortsOf(int core, int mask, int first, int last)
    {
        if (last < first || core < 0 || core > mask)
        {
            return 0;
        }
        int stride = mask + 1;
        return CountUpTo(last, core, stride) - CountUpTo(first - 1, core, stride);
    }

    /// <summary>The fewest ports any of the <paramref name="cores"/> cores gets from the range.</summary>
    public static int MinPortsPerCore(int cores, int first, int last)
    {
        int mask = MaskFor(cores);
        int fewest = int.MaxValue;
        for (int core = 0; core < cores; core++)
        {
            fewest = Math.Min(fewest, PortsOf(core, mask, first, last));
        }
        return fewest;
    }

    /// <summary>
    /// Null when the range [<paramref name="first"/>, <paramref name="last"/>] gives every one of
    /// <paramref name="cores"/> cores at least <paramref name="minPortsPerCore"/> ports; otherwise why it does not.
    /// </summary>
    public static string? Validate(int cores, int first, int last, int minPortsPerCore)
    {
        if (cores < 1)
        {
            return $"The core count must be at least 1 (was {cores}).";
        }
        if (cores > 1 << 15)
        {
            return $"At most {1 << 15} cores can share a port space (was {cores}).";
        }
        if (first < 1 || last > ushort.MaxValue || first > last)
        {
            return $"The ephemeral range {first}-{last} is not a range of ports 1-65535 with first <= last.";
        }
        int mask = MaskFor(cores);
        int fewest = MinPortsPerCore(cores, first, last);
        if (fewest < minPortsPerCore)
        {
            long needed = (long)minPortsPerCore * (mask + 1);
            return $"The ephemeral range {first}-{last} ({last - first + 1} ports) gives some core only {fewest} ports: " +
                   $"with {cores} cores a port belongs to core (port & {mask}), so each core gets 1 port in {mask + 1}" +
                   (mask + 1 > cores ? $" ({mask + 1 - cores} of every {mask + 1} ports have no core)" : "") +
                   $". At least {minPortsPerCore} per core needs a range of about {needed} ports.";
        }
        return null;
    }

    // Ports p in [0, x] with p % stride == core.
    private static int CountUpTo(int x, int core, int stride) => x < core ? 0 : (x - core) / stride + 1;
}
