using System.Runtime.InteropServices;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Sockets;
using Fastsocket.Tcp;

namespace Fastsocket.Native.Abi;

/// <summary>
/// struct tcp_info (Linux 6.18 with the AccECN counters, 280 bytes), filled with what the stack knows: the congestion
/// state, window and threshold and the scoreboard's counts (unacked, SACKed, lost, retransmitted) in segments, as Linux
/// counts packets; the counters it does not keep (pacing, delivery rate, busy time, DSACKs, total retransmissions, the
/// last-sent/received ages) stay 0.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 280)]
internal struct TcpInfo
{
    [FieldOffset(0)] public byte State;
    [FieldOffset(1)] public byte CaState;
    [FieldOffset(2)] public byte Retransmits;
    [FieldOffset(3)] public byte Probes;
    [FieldOffset(4)] public byte Backoff;
    [FieldOffset(5)] public byte Options;
    [FieldOffset(6)] public byte WindowScales;
    [FieldOffset(8)] public uint Rto;
    [FieldOffset(12)] public uint Ato;
    [FieldOffset(16)] public uint SndMss;
    [FieldOffset(20)] public uint RcvMss;
    [FieldOffset(24)] public uint Unacked;
    [FieldOffset(28)] public uint Sacked;
    [FieldOffset(32)] public uint Lost;
    [FieldOffset(36)] public uint Retrans;
    [FieldOffset(60)] public uint Pmtu;
    [FieldOffset(64)] public uint RcvSsthresh;
    [FieldOffset(68)] public uint Rtt;
    [FieldOffset(72)] public uint RttVar;
    [FieldOffset(76)] public uint SndSsthresh;
    [FieldOffset(80)] public uint SndCwnd;
    [FieldOffset(84)] public uint AdvMss;
    [FieldOffset(88)] public uint Reordering;
    [FieldOffset(96)] public uint RcvSpace;
    [FieldOffset(144)] public uint NotSentBytes;
    [FieldOffset(228)] public uint SndWnd;
    [FieldOffset(232)] public uint RcvWnd;

    /// <summary>Linux's TCP state numbers (include/net/tcp_states.h).</summary>
    private static byte LinuxState(TcpState state) => state switch
    {
        TcpState.Established => 1,
        TcpState.SynSent => 2,
        TcpState.SynReceived => 3,
        TcpState.FinWait1 => 4,
        TcpState.FinWait2 => 5,
        TcpState.TimeWait => 6,
        TcpState.Closed => 7,
        TcpState.CloseWait => 8,
        TcpState.LastAck => 9,
        TcpState.Listen => 10,
        TcpState.Closing => 11,
        _ => 7,
    };

    /// <summary>What getsockopt(TCP_INFO) returns for <paramref name="socket"/>.</summary>
    public static TcpInfo From(NativeSocket socket, NativeStack stack)
    {
        var info = default(TcpInfo);
        info.Ato = 40_000;
        info.Reordering = 3;
        info.Pmtu = (uint)stack.Engine.Device.Mtu;
        int advMss = Math.Max(0, stack.Engine.Device.Mtu - 40);
        // TCP_MAXSEG caps what a listener's connections announce (the listening socket passes it to the accepted one).
        info.AdvMss = (uint)(socket.MaxSegmentOption > 0 ? Math.Min(advMss, socket.MaxSegmentOption) : advMss);
        if (socket.Phase == SocketPhase.Listening)
        {
            info.State = LinuxState(TcpState.Listen);
            return info;
        }
        TcpConnection? c = socket.Connection;
        if (c is null)
        {
            info.State = LinuxState(TcpState.Closed);
            return info;
        }
        info.State = LinuxState(c.State);
        info.Options = (byte)((c.TimestampsEnabled ? 1 : 0) | (c.SackEnabled ? 2 : 0) | (c.WindowScalingEnabled ? 4 : 0));
        info.Rto = (uint)c.RetransmissionTimeoutMicroseconds;
        info.SndMss = (uint)c.SendMss;
        info.RcvMss = (uint)c.SendMss;
        info.CaState = (byte)c.CongestionState;
        info.Retransmits = (byte)Math.Min(c.ConsecutiveTimeouts, byte.MaxValue);
        info.Unacked = (uint)c.SegmentsInFlight;
        info.Sacked = (uint)c.SackedSegmentCount;
        info.Lost = (uint)c.LostSegmentCount;
        info.Retrans = (uint)c.RetransmittedSegmentCount;
        info.Reordering = (uint)c.ReorderingDegree;
        info.Rtt = (uint)c.SmoothedRttMicroseconds;
        info.SndCwnd = (uint)c.CongestionWindowSegments;
        info.SndSsthresh = (uint)c.SlowStartThresholdSegments;
        info.SndWnd = (uint)c.SendWindow;
        info.RcvSpace = (uint)stack.Config.ReceiveBufferSize;
        return info;
    }
}
