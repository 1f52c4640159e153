using Fastsocket.Wire;

namespace Fastsocket.Tests.Support;

/// <summary>A TCP segment as a test writes or reads it: plain values, easy to assert on.</summary>
public sealed record Segment
{
    public TcpFlags Flags { get; init; }
    public uint Seq { get; init; }
    public uint Ack { get; init; }
    public ushort Window { get; init; } = 65535;
    public TcpOptions Options { get; init; }
    public byte[] Payload { get; init; } = [];
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }

    public bool Has(TcpFlags flag) => (Flags & flag) == flag;

    public override string ToString() =>
        $"{SourcePort}->{DestinationPort} [{Flags}] seq={Seq} ack={Ack} win={Window} len={Payload.Length}" +
        (Options.HasMss ? $" mss={Options.Mss}" : "") + (Options.HasWindowScale ? $" ws={Options.WindowScale}" : "") +
        (Options.SackPermitted ? " sackOK" : "") + (Options.HasTimestamps ? $" ts={Options.TsVal}/{Options.TsEcr}" : "") +
        (Options.SackCount > 0 ? $" sack={Options.SackCount}" : "");
}
