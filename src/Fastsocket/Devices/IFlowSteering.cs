using Fastsocket.Wire;

namespace Fastsocket.Devices;

/// <summary>
/// Receive-side steering rules a device applies before RSS (in the manner of Intel's Flow Director): an exact match on
/// a flow, or a match on the destination port under a mask. Rules are written from the receiving host's view:
/// "local" is the packet's destination.
/// </summary>
public interface IFlowSteering
{
    /// <summary>Steers packets of one flow to a queue. Returns false when the rule table is full.</summary>
    bool TryAddExactMatch(in FlowKey flow, int queue);

    /// <summary>Removes the exact-match rule for <paramref name="flow"/> (receiving host's view); false when it had none.</summary>
    bool RemoveExactMatch(in FlowKey flow);

    /// <summary>Steers packets whose local (destination) port satisfies (port &amp; mask) == value to a queue.</summary>
    bool TryAddPortMask(ushort value, ushort mask, int queue);

    /// <summary>Removes every port-mask rule, so those packets go back to RSS.</summary>
    void ClearPortMasks();
}
