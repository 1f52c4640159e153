namespace Fastsocket.Devices;

/// <summary>Which classifier stage chose a packet's receive queue.</summary>
public enum SteeringDecision
{
    /// <summary>No ports to hash (not TCP or UDP, a fragment, or malformed): the default queue 0.</summary>
    Unclassified = 0,

    /// <summary>An exact-match flow rule (Flow Director perfect filter) chose the queue.</summary>
    ExactMatch,

    /// <summary>A destination-port mask rule chose the queue (how Fastsocket's RFD steers active connections in hardware).</summary>
    PortMask,

    /// <summary>No rule matched: the Toeplitz hash through the indirection table chose the queue.</summary>
    Rss,
}
