namespace Fastsocket.Tcp;

/// <summary>The congestion control a connection uses (Linux's <c>tcp_congestion_control</c> / <c>TCP_CONGESTION</c>).</summary>
public enum CongestionControlAlgorithm
{
    /// <summary>CUBIC (RFC 9438) with HyStart++ (RFC 9406): the default, as in Linux.</summary>
    Cubic,

    /// <summary>NewReno (RFC 5681, RFC 6582).</summary>
    NewReno,
}
