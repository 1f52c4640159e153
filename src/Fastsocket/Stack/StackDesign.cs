namespace Fastsocket.Stack;

/// <summary>
/// The three kernels the Fastsocket paper compares, as configurations of one code base. Each is a set of
/// <see cref="StackMechanisms"/> (<see cref="StackDesigns.MechanismsOf"/>); the ablation's designs are other sets.
/// </summary>
public enum StackDesign
{
    /// <summary>
    /// Stock Linux 2.6.32: one listener whose accept queue is shared under a lock; one established table shared by all
    /// cores (lock-free lookups, per-bucket locks for changes); a shared VFS layer (two global locks to create a socket, two
    /// to close it); no steering.
    /// </summary>
    Base,

    /// <summary>Linux 3.9+ SO_REUSEPORT: per-core listeners chosen by flow hash; established table and VFS as <see cref="Base"/>; no steering.</summary>
    ReusePort,

    /// <summary>Fastsocket: local listen tables with a global fallback, local established tables, Receive Flow Deliver, light sockets.</summary>
    Fastsocket,
}
