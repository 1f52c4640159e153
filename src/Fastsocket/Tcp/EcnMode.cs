namespace Fastsocket.Tcp;

/// <summary>Whether connections use Explicit Congestion Notification (RFC 3168), as Linux's net.ipv4.tcp_ecn.</summary>
public enum EcnMode
{
    /// <summary>Never: SYNs do not ask for it and SYNs that ask are answered without it (tcp_ecn=0).</summary>
    Off = 0,

    /// <summary>Asked for on outgoing connections and accepted on incoming ones (tcp_ecn=1).</summary>
    On = 1,

    /// <summary>Accepted when an incoming connection asks for it, never asked for (tcp_ecn=2, Linux's default).</summary>
    AcceptOnly = 2,
}
