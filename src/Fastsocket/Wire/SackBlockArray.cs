using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>Room for the most SACK blocks that fit in 40 bytes of options (four), kept inline so parsing allocates nothing.</summary>
[InlineArray(TcpOptions.MaxSackBlocks)]
public struct SackBlockArray
{
    private SackBlock _element0;
}
