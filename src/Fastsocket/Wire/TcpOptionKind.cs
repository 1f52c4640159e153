namespace Fastsocket.Wire;

/// <summary>TCP option kinds (IANA registry).</summary>
public static class TcpOptionKind
{
    public const byte EndOfList = 0;
    public const byte NoOperation = 1;
    public const byte MaximumSegmentSize = 2;
    public const byte WindowScale = 3;
    public const byte SackPermitted = 4;
    public const byte Sack = 5;
    public const byte Timestamps = 8;
}
