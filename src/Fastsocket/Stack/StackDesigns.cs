namespace Fastsocket.Stack;

/// <summary>
/// The designs by name, as the benchmark and the CLI spell them, and the mechanisms each is made of: the paper's three
/// kernels (<c>base</c>, <c>reuseport</c>, <c>fastsocket</c>) and the ablation, where one Fastsocket mechanism at a time
/// is switched on on top of <c>base</c>.
/// </summary>
public static class StackDesigns
{
    /// <summary>Stock Linux 2.6.32.</summary>
    public const string Base = "base";

    /// <summary>Linux 3.9+ with SO_REUSEPORT listeners.</summary>
    public const string ReusePort = "reuseport";

    /// <summary>All four Fastsocket mechanisms.</summary>
    public const string Fastsocket = "fastsocket";

    /// <summary><c>base</c> with the Local Listen Table.</summary>
    public const string BaseLocalListen = "base+local-listen";

    /// <summary><c>base</c> with the Local Established Table.</summary>
    public const string BaseLocalEstablished = "base+local-established";

    /// <summary><c>base</c> with Receive Flow Deliver.</summary>
    public const string BaseReceiveFlowDeliver = "base+rfd";

    /// <summary><c>base</c> with light sockets (no shared VFS layer).</summary>
    public const string BaseLightSockets = "base+light-sockets";

    /// <summary>The ablation's designs: each Fastsocket mechanism alone on top of <c>base</c>, in the paper's order.</summary>
    public static IReadOnlyList<string> Ablation { get; } =
        [BaseLocalListen, BaseLocalEstablished, BaseReceiveFlowDeliver, BaseLightSockets];

    /// <summary>Every named design: the paper's three, then the ablation.</summary>
    public static IReadOnlyList<string> All { get; } = [Base, ReusePort, Fastsocket, .. Ablation];

    /// <summary>The mechanisms of one of the paper's designs.</summary>
    public static StackMechanisms MechanismsOf(StackDesign design) => design switch
    {
        StackDesign.Base => StackMechanisms.None,
        StackDesign.ReusePort => StackMechanisms.ReusePortListen,
        StackDesign.Fastsocket => StackMechanisms.Fastsocket,
        _ => throw new ArgumentOutOfRangeException(nameof(design), design, "unknown stack design"),
    };

    /// <summary>
    /// The paper design a set of mechanisms is, or starts from: <see cref="StackDesign.Fastsocket"/> for all four of
    /// Fastsocket's, <see cref="StackDesign.ReusePort"/> with reuseport listeners, otherwise <see cref="StackDesign.Base"/>
    /// (an ablation is base with some of Fastsocket's mechanisms).
    /// </summary>
    public static StackDesign DesignOf(StackMechanisms mechanisms)
    {
        if ((mechanisms & StackMechanisms.Fastsocket) == StackMechanisms.Fastsocket)
        {
            return StackDesign.Fastsocket;
        }
        return (mechanisms & StackMechanisms.ReusePortListen) != 0 ? StackDesign.ReusePort : StackDesign.Base;
    }

    /// <summary>The mechanisms of a named design (<see cref="All"/>); false for any other name.</summary>
    public static bool TryParse(string? name, out StackMechanisms mechanisms)
    {
        switch (name)
        {
            case Base:
                mechanisms = StackMechanisms.None;
                return true;
            case ReusePort:
                mechanisms = StackMechanisms.ReusePortListen;
                return true;
            case Fastsocket:
                mechanisms = StackMechanisms.Fastsocket;
                return true;
            case BaseLocalListen:
                mechanisms = StackMechanisms.LocalListen;
                return true;
            case BaseLocalEstablished:
                mechanisms = StackMechanisms.LocalEstablished;
                return true;
            case BaseReceiveFlowDeliver:
                mechanisms = StackMechanisms.ReceiveFlowDeliver;
                return true;
            case BaseLightSockets:
                mechanisms = StackMechanisms.LightSockets;
                return true;
            default:
                mechanisms = StackMechanisms.None;
                return false;
        }
    }

    /// <summary>The name of a set of mechanisms (<see cref="All"/>), or null when the set has none.</summary>
    public static string? NameOf(StackMechanisms mechanisms)
    {
        foreach (string name in All)
        {
            if (TryParse(name, out StackMechanisms named) && named == mechanisms)
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>Throws when a set of mechanisms cannot be built: reuseport and local listeners are two answers to one question.</summary>
    public static void Validate(StackMechanisms mechanisms)
    {
        const StackMechanisms known = StackMechanisms.ReusePortListen | StackMechanisms.Fastsocket;
        if ((mechanisms & ~known) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mechanisms), mechanisms, "unknown stack mechanisms");
        }
        if ((mechanisms & (StackMechanisms.ReusePortListen | StackMechanisms.LocalListen)) ==
            (StackMechanisms.ReusePortListen | StackMechanisms.LocalListen))
        {
            throw new ArgumentException("reuseport listeners and local listen tables exclude each other", nameof(mechanisms));
        }
    }
}
