using Fastsocket.Wire;

namespace Fastsocket.Tests.Support;

/// <summary>One field check on a segment: null when it holds, otherwise what was expected and what came.</summary>
public delegate string? SegmentCheck(Segment segment);

/// <summary>
/// Composable checks on a segment we sent: a test names only the fields it cares about, and a failure lists every
/// field that differed with its expected and actual value. Written with <c>using static</c> it reads
/// <c>Check.Tcp(segment, Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(n), Mss(1460))</c>.
/// </summary>
public static class Check
{
    /// <summary>Applies every check and fails once, naming each field that differed; returns the segment for further use.</summary>
    public static Segment Tcp(Segment segment, params SegmentCheck[] checks)
    {
        var failures = new List<string>();
        foreach (SegmentCheck check in checks)
        {
            if (check(segment) is string failure)
            {
                failures.Add(failure);
            }
        }
        if (failures.Count > 0)
        {
            Assert.Fail($"segment {segment}: {string.Join("; ", failures)}");
        }
        return segment;
    }

    /// <summary>The control bits, all of them: exactly these set, no others.</summary>
    public static SegmentCheck Flags(TcpFlags expected) => s => Compare("flags", expected, s.Flags);

    /// <summary>SEG.SEQ.</summary>
    public static SegmentCheck Seq(uint expected) => s => Compare("seq", expected, s.Seq);

    /// <summary>SEG.ACK.</summary>
    public static SegmentCheck Ack(uint expected) => s => Compare("ack", expected, s.Ack);

    /// <summary>SEG.WND as on the wire (unscaled).</summary>
    public static SegmentCheck Window(ushort expected) => s => Compare("window", expected, s.Window);

    /// <summary>The number of payload bytes.</summary>
    public static SegmentCheck PayloadLength(int expected) => s => Compare("payload length", expected, s.Payload.Length);

    /// <summary>No payload.</summary>
    public static SegmentCheck NoPayload { get; } = PayloadLength(0);

    /// <summary>The payload bytes themselves.</summary>
    public static SegmentCheck Payload(byte[] expected) =>
        s => s.Payload.AsSpan().SequenceEqual(expected) ? null : $"payload: expected {Convert.ToHexString(expected)}, got {Convert.ToHexString(s.Payload)}";

    /// <summary>The MSS option, with this value.</summary>
    public static SegmentCheck Mss(ushort expected) =>
        s => !s.Options.HasMss ? $"mss: expected {expected}, got none" : Compare("mss", expected, s.Options.Mss);

    /// <summary>The window-scale option, with this shift.</summary>
    public static SegmentCheck WindowScale(byte expected) =>
        s => !s.Options.HasWindowScale ? $"window scale: expected {expected}, got none" : Compare("window scale", expected, s.Options.WindowScale);

    /// <summary>The SACK-permitted option present or absent.</summary>
    public static SegmentCheck SackPermitted(bool expected) => s => Compare("sack-permitted", expected, s.Options.SackPermitted);

    /// <summary>The timestamps option, with these values.</summary>
    public static SegmentCheck Timestamps(uint tsVal, uint tsEcr) =>
        s => !s.Options.HasTimestamps ? $"timestamps: expected {tsVal}/{tsEcr}, got none"
            : s.Options.TsVal == tsVal && s.Options.TsEcr == tsEcr ? null
            : $"timestamps: expected {tsVal}/{tsEcr}, got {s.Options.TsVal}/{s.Options.TsEcr}";

    /// <summary>The number of SACK blocks (0: no SACK option).</summary>
    public static SegmentCheck SackCount(int expected) => s => Compare("sack blocks", expected, s.Options.SackCount);

    /// <summary>
    /// Exactly the options in <paramref name="expected"/>: each kind present there is present with its value, each
    /// kind absent there is absent, and no SACK blocks.
    /// </summary>
    public static SegmentCheck Options(TcpOptions expected) => s =>
    {
        TcpOptions o = s.Options;
        var failures = new List<string>();
        Add(failures, Compare("mss present", expected.HasMss, o.HasMss));
        Add(failures, Compare("window scale present", expected.HasWindowScale, o.HasWindowScale));
        Add(failures, Compare("sack-permitted", expected.SackPermitted, o.SackPermitted));
        Add(failures, Compare("timestamps present", expected.HasTimestamps, o.HasTimestamps));
        if (expected.HasMss && o.HasMss)
        {
            Add(failures, Compare("mss", expected.Mss, o.Mss));
        }
        if (expected.HasTimestamps && o.HasTimestamps)
        {
            Add(failures, Compare("tsval", expected.TsVal, o.TsVal));
            Add(failures, Compare("tsecr", expected.TsEcr, o.TsEcr));
        }
        Add(failures, Compare("sack blocks", 0, o.SackCount));
        return failures.Count == 0 ? null : string.Join("; ", failures);
    };

    /// <summary>No options at all.</summary>
    public static SegmentCheck NoOptions { get; } = Options(default);

    private static string? Compare<T>(string field, T expected, T actual) =>
        EqualityComparer<T>.Default.Equals(expected, actual) ? null : $"{field}: expected {expected}, got {actual}";

    private static void Add(List<string> failures, string? failure)
    {
        if (failure is not null)
        {
            failures.Add(failure);
        }
    }
}
