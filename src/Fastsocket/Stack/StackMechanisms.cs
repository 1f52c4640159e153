namespace Fastsocket.Stack;

/// <summary>
/// The mechanisms a stack design is made of. <c>base</c> (stock Linux 2.6.32) has none; each flag removes one of its
/// shared costs, so any one can be switched on alone on top of <c>base</c> to see what it contributes (the paper's
/// breakdown). <see cref="StackDesigns"/> names the sets and maps each <see cref="StackDesign"/> to its set.
/// </summary>
[Flags]
public enum StackMechanisms
{
    /// <summary>
    /// None: <c>base</c>. One listener whose accept queue every core takes under its lock; one established table shared by
    /// all cores (lock-free lookups, per-bucket locks for changes); a VFS-like layer that takes two global locks to create
    /// a socket and two to close it; no steering of active connections.
    /// </summary>
    None = 0,

    /// <summary>
    /// Linux 3.9 SO_REUSEPORT: one listener per core, chosen by a hash of the flow (so usually fed by another core than
    /// its acceptor's, hence still locked, but no longer one lock for all). Excludes <see cref="LocalListen"/>.
    /// </summary>
    ReusePortListen = 1,

    /// <summary>Fastsocket's Local Listen Table: each core's own listener, touched only by that core, with a global fallback.</summary>
    LocalListen = 2,

    /// <summary>Fastsocket's Local Established Table: each core's own connection table, no shared state at all.</summary>
    LocalEstablished = 4,

    /// <summary>
    /// Receive Flow Deliver: an active connection opened on core k takes a port p with p mod 2^ceil(log2 N) = k, and its
    /// replies reach core k by a device steering rule or a software hand-off.
    /// </summary>
    ReceiveFlowDeliver = 8,

    /// <summary>Fastsocket-aware VFS: sockets are engine objects, created and closed without the shared descriptor and inode/dentry tables.</summary>
    LightSockets = 16,

    /// <summary>All four of Fastsocket's mechanisms: the <c>fastsocket</c> design.</summary>
    Fastsocket = LocalListen | LocalEstablished | ReceiveFlowDeliver | LightSockets,
}
