namespace Sock.Core.Scanning;

/// <summary>What a probe found at a port, in nmap's words.</summary>
public enum PortState
{
    /// <summary>TCP: the connection was accepted. UDP: a datagram came back.</summary>
    Open,

    /// <summary>TCP: refused (an RST came back). UDP: an ICMP port unreachable came back.</summary>
    Closed,

    /// <summary>TCP: no answer within the timeout after every retry, or an ICMP unreachable other than "port".</summary>
    Filtered,

    /// <summary>UDP: no answer at all; a UDP service may stay silent, so open and filtered cannot be told apart.</summary>
    OpenFiltered,
}
