using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// Says whether core <paramref name="core"/> may open <paramref name="flow"/> (its local port being the ephemeral
/// port under consideration). Ports it refuses are skipped as ports in use are, so it narrows the walk and never
/// widens it. A load generator uses it to pick ports that the peer's RSS steers to a chosen queue.
/// </summary>
public delegate bool EphemeralPortFilter(int core, in FlowKey flow);
