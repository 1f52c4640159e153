namespace Fastsocket.Tcp;

/// <summary>
/// The send sequence variables of RFC 9293 3.3.1 (with SND.MAX and the peer's window scale). A mutable struct held
/// as a field of <see cref="TcpConnection"/> and used in place, so the hot path reads and writes it without copies.
/// </summary>
internal struct SendSequenceSpace
{
    /// <summary>ISS: our initial sequence number.</summary>
    public SeqNumber Iss;

    /// <summary>SND.UNA: the oldest unacknowledged sequence number.</summary>
    public SeqNumber Una;

    /// <summary>SND.NXT: the next sequence number to send (moves back to SND.UNA for a go-back-N retransmission).</summary>
    public SeqNumber Nxt;

    /// <summary>SND.MAX: the highest sequence number sent so far; SND.UNA &lt;= SND.NXT &lt;= SND.MAX.</summary>
    public SeqNumber Max;

    /// <summary>SND.WL1: the sequence number of the segment that last updated the window.</summary>
    public SeqNumber Wl1;

    /// <summary>SND.WL2: the acknowledgment number of the segment that last updated the window.</summary>
    public SeqNumber Wl2;

    /// <summary>SND.WND: the peer's window in bytes (already scaled).</summary>
    public int Wnd;

    /// <summary>The largest window the peer has offered (for sender silly window avoidance and RFC 5961 5.2).</summary>
    public int MaxWnd;

    /// <summary>Snd.Wind.Shift of RFC 7323: the peer's window scale.</summary>
    public int Shift;

    /// <summary>Whether the sequence variables are in order: SND.UNA &lt;= SND.NXT &lt;= SND.MAX.</summary>
    public readonly bool IsOrdered => Una <= Nxt && Nxt <= Max;
}
