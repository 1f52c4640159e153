namespace Fastsocket.Tcp;

/// <summary>
/// Which family of defaults a stack's TCP follows where the RFCs leave a choice. <see cref="Linux"/> is the default,
/// because users' peers and tools (packetdrill's scripts among them) expect Linux; <see cref="Rfc"/> takes the RFCs'
/// recommendations (their SHOULDs) instead. Build a configuration with <see cref="TcpProfileExtensions.CreateConfig"/>
/// and pass it as the stack's or engine's TCP settings.
/// </summary>
public enum TcpProfile
{
    /// <summary>
    /// Linux's choices: 200 ms minimum RTO, 60 s TIME-WAIT, CUBIC with HyStart, 40 ms delayed ACK, slow start by every
    /// segment an ACK covers (the <see cref="TcpConfig"/> defaults).
    /// </summary>
    Linux,

    /// <summary>
    /// The RFCs' recommendations: 1 s minimum RTO (RFC 6298 2.4), TIME-WAIT of 2 MSL with MSL = 2 minutes (RFC 9293
    /// 3.4.2), NewReno congestion control (RFC 5681 and RFC 6582) without HyStart, slow start by at most one SMSS
    /// per ACK (RFC 5681 3.1).
    /// </summary>
    Rfc,
}
