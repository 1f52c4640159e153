namespace Fastsocket.Tcp;

/// <summary>How the send and receive rings size themselves: small at first, doubling up to the buffer's capacity.</summary>
internal static class RingBuffers
{
    /// <summary>The first ring a connection rents: a page, enough for a request or a response of a short connection.</summary>
    public const int InitialSize = 4096;

    /// <summary>
    /// The size to rent when a ring of <paramref name="current"/> bytes (0: none yet) must hold
    /// <paramref name="needed"/>: twice the current size (at least <see cref="InitialSize"/>), no more than
    /// <paramref name="capacity"/> unless <paramref name="needed"/> is larger, and never less than needed.
    /// </summary>
    public static int NextSize(int current, int needed, int capacity)
    {
        long doubled = Math.Max(InitialSize, 2L * current);
        return (int)Math.Max(needed, Math.Min(doubled, Math.Max(capacity, needed)));
    }
}
