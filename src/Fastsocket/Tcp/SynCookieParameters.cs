namespace Fastsocket.Tcp;

/// <summary>
/// What a valid SYN cookie ACK gives back of the SYN the listener did not store (<see cref="SynCookieRules.TryAccept"/>):
/// our ISS, the MSS class, and, when the peer sent timestamps, its window scale and SACK-permitted.
/// </summary>
/// <param name="Iss">Our ISS: the cookie (the ACK's acknowledgment number minus one).</param>
/// <param name="Mss">The peer's MSS, rounded down to the class the cookie holds.</param>
/// <param name="WindowScaling">Whether both sides scale windows (the peer offered it and we answered it).</param>
/// <param name="PeerWindowShift">The peer's shift (RFC 7323), when <paramref name="WindowScaling"/>.</param>
/// <param name="Sack">Whether SACK was negotiated.</param>
/// <param name="Timestamps">Whether timestamps were negotiated (the ACK carries them and we use them).</param>
internal readonly record struct SynCookieParameters(SeqNumber Iss, ushort Mss, bool WindowScaling, byte PeerWindowShift, bool Sack, bool Timestamps);
