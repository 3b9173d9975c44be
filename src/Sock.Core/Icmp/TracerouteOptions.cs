using Sock.Core.Tracing;

namespace Sock.Core.Icmp;

/// <summary>How a traceroute probes each hop.</summary>
public enum TracerouteMethod
{
    /// <summary>UDP datagrams to high ports (33434 up), errors read from the IP_RECVERR error queue: no privileges, as tracepath and traceroute's default.</summary>
    Udp,

    /// <summary>ICMP echo requests (-I), on a raw socket or the unprivileged ICMP datagram socket.</summary>
    Icmp,

    /// <summary>TCP connects to a port (-T -p PORT): the SYN's TTL runs out at each router; the destination accepts or refuses.</summary>
    Tcp,
}

/// <summary>traceroute's options with its defaults.</summary>
public sealed class TracerouteOptions
{
    /// <summary>How each hop is probed: UDP by default, as traceroute does without privileges.</summary>
    public TracerouteMethod Method { get; init; } = TracerouteMethod.Udp;

    /// <summary>-p: UDP's first port (each probe the next one up), TCP's port, unused for ICMP. Null: 33434 for UDP, 80 for TCP.</summary>
    public int? Port { get; init; }

    /// <summary>-q: probes per hop (default 3).</summary>
    public int ProbesPerHop { get; init; } = 3;

    /// <summary>-f: the first TTL (default 1).</summary>
    public int FirstHop { get; init; } = 1;

    /// <summary>-m: the largest TTL (default 30).</summary>
    public int MaxHops { get; init; } = 30;

    /// <summary>-w: how long to wait for each probe's answer (default 5 s).</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole IP packet's length (default 60 bytes for IPv4, 80 for IPv6, as traceroute); ignored with <see cref="DiscoverMtu"/>.</summary>
    public int? PacketLength { get; init; }

    /// <summary>--mtu: probe with packets as large as the path allows, report each hop where the path MTU drops (tracepath's "pmtu 1400"). UDP and ICMP (-I) probes; not TCP.</summary>
    public bool DiscoverMtu { get; init; }

    /// <summary>The trace to write socket calls to.</summary>
    public SocketTrace? Trace { get; init; }
}
