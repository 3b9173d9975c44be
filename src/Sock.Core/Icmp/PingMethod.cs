namespace Sock.Core.Icmp;

/// <summary>How sock pings: which socket carries the probe.</summary>
public enum PingMethod
{
    /// <summary>socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): needs root or CAP_NET_RAW; sees every process's replies, so ours are picked by identifier.</summary>
    RawIcmp,

    /// <summary>socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP): unprivileged where net.ipv4.ping_group_range includes one of the process's groups; the kernel picks the identifier and hands over only this socket's replies.</summary>
    DatagramIcmp,

    /// <summary>TCP connect time to a port: an accepted or a refused connect both mean the host answered. No privileges anywhere.</summary>
    Tcp,

    /// <summary>A UDP datagram to a closed port: the host's ICMP port unreachable (read from the IP_RECVERR error queue) is the answer.</summary>
    Udp,
}

/// <summary>The method sock picked and why, in words for the user ("running as root (CAP_NET_RAW)").</summary>
/// <param name="Method">The method chosen for the host.</param>
/// <param name="Reason">Why this one.</param>
/// <param name="Port">The TCP or UDP port, for those methods.</param>
public sealed record PingMethodChoice(PingMethod Method, string Reason, int? Port = null)
{
    /// <summary>"raw ICMP socket (SOCK_RAW)", "ICMP datagram socket (SOCK_DGRAM, IPPROTO_ICMP)", "TCP connect to port 80"…</summary>
    public string Description => Method switch
    {
        PingMethod.RawIcmp => "raw ICMP socket (SOCK_RAW)",
        PingMethod.DatagramIcmp => "ICMP datagram socket (SOCK_DGRAM)",
        PingMethod.Tcp => $"TCP connect to port {Port}",
        _ => $"UDP to port {Port} (port unreachable is the answer)",
    };
}
