namespace Fastsocket.Devices;

/// <summary>Which classifier stage chose a packet's receive queue.</summary>
public enum SteeringDecision
{
    /// <summary>No ports to hash (not TCP or UDP, a fragment, or malformed): the default queue 0.</summary>
    Unclassified = 0,

    ExactMatch,

    PortMask,

    Rss,
}
