using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Building a passive connection from a SYN cookie (RFC 4987 3.6): the listener kept no state for its SYN.</summary>
public sealed partial class TcpConnection
{
    /// <summary>
    /// The window shift we announce for a receive buffer of <paramref name="receiveBuffer"/> bytes (RFC 7323 2.2):
    /// the smallest that lets the 16-bit field cover the buffer, at most 14; zero without window scaling. The same
    /// rule <c>Initialize</c> applies, so a cookie SYN-ACK announces what the connection built later uses.
    /// </summary>
    internal static int ReceiveShiftFor(TcpConfig config, int receiveBuffer)
    {
        int shift = 0;
        if (config.WindowScaling)
        {
            while (shift < MaxWindowShift && (receiveBuffer >> shift) > ushort.MaxValue)
            {
                shift++;
            }
        }
        return shift;
    }

    /// <summary>
    /// Rebuilds the SYN-RECEIVED connection a cookie SYN-ACK stands for, as if the listener had stored the SYN and
    /// sent that SYN-ACK itself: the peer's ISN is the ACK's sequence number minus one, the MSS class, window scale,
    /// SACK and timestamps come from <paramref name="parameters"/>. The caller then hands it the ACK
    /// (<see cref="OnSegment"/>), which completes the handshake on the usual path: ESTABLISHED and the accept queue.
    /// </summary>
    internal void OpenFromCookie(ITcpHost host, in FlowKey key, in SynCookieParameters parameters, in IncomingSegment ack,
        ITcpListener listener, int sendBuffer, int receiveBuffer)
    {
        Initialize(host, key, parameters.Iss, sendBuffer, receiveBuffer);
        _passive = true;
        Listener = listener;
        State = TcpState.SynReceived;
        IncomingSegment syn = default;
        syn.Seq = ack.Seq - 1;
        syn.Flags = TcpFlags.Syn;
        syn.Window = ack.Window;
        syn.Options.HasMss = true;
        syn.Options.Mss = parameters.Mss;
        syn.Options.HasWindowScale = parameters.WindowScaling;
        syn.Options.WindowScale = parameters.PeerWindowShift;
        syn.Options.SackPermitted = parameters.Sack;
        syn.Options.HasTimestamps = parameters.Timestamps;
        // The SYN's TSval is lost; the ACK's is no older, so PAWS and RFC 7323 4.3 start from it.
        syn.Options.TsVal = ack.Options.TsVal;
        AcceptPeerSynOptions(syn);
        // What SendSyn records for the SYN-ACK the cookie stood for (its window field was not scaled).
        _rcv.AdvertisedEdge = _rcv.Nxt + Math.Min(_receive.Window, ushort.MaxValue);
        _rcv.LastAckSent = _rcv.Nxt;
    }
}
