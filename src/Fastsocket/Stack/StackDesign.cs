namespace Fastsocket.Stack;

/// <summary>The three kernels the Fastsocket paper compares, as configurations of one code base.</summary>
public enum StackDesign
{
    /// <summary>Stock Linux 2.6.32: one global listener and accept queue under a lock, one global established table with locks, no steering.</summary>
    Base,

    /// <summary>Linux 3.9+ SO_REUSEPORT: per-core listeners chosen by flow hash, global established table with locks, no steering.</summary>
    ReusePort,

    /// <summary>Fastsocket: local listen tables with a global fallback, local established tables, Receive Flow Deliver.</summary>
    Fastsocket,
}
