namespace Fastsocket.Simulation;

/// <summary>Runs a bulk transfer between two stacks joined by an in-memory link and checks the bytes arrive intact.</summary>
public static class TransferRunner
{
    public static TransferReport Run(TransferSpec spec, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        throw new NotImplementedException("filled in with the TCP engine");
    }
}
