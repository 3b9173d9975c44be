using Sock.Core.Tracing;

namespace Sock.Core.Icmp;

/// <summary>What to ping with, with iputils ping's defaults.</summary>
public sealed class PingOptions
{
    /// <summary>iputils' shortest interval for a process without CAP_NET_RAW.</summary>
    public static readonly TimeSpan MinimumUserInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The largest ICMP payload that fits an IPv4 datagram: 65535 − 20 (IP) − 8 (ICMP).</summary>
    public const int MaxPayload = 65507;

    /// <summary>-c: echo requests per host; null sends until stopped or until <see cref="Deadline"/>.</summary>
    public int? Count { get; init; }

    /// <summary>-i: time between rounds (one request to each host per round). Default 1 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>-W: how long to wait for a reply once everything is sent, when none has come yet (iputils' linger, 10 s).
    /// Once replies have come, sock waits twice the longest round trip (at least one interval), as ping.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>-w: stop after this long, whatever has been sent or received.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>-s: payload bytes after the 8-byte ICMP header (56 makes 64-byte messages).</summary>
    public int PayloadSize { get; init; } = 56;

    /// <summary>-t: IP time to live (hop limit for IPv6); null leaves the system's default.</summary>
    public int? Ttl { get; init; }

    /// <summary>-f: flood — send the next request as soon as the last is answered, or every 10 ms. Root (CAP_NET_RAW) only.</summary>
    public bool Flood { get; init; }

    /// <summary>Force a method (--tcp, --udp, or ICMP only); null picks raw, then datagram ICMP, then TCP to <see cref="FallbackPort"/>.</summary>
    public PingMethod? Method { get; init; }

    /// <summary>The port for <see cref="PingMethod.Tcp"/> and <see cref="PingMethod.Udp"/>, and the TCP port the automatic fallback uses (80, as tcping).</summary>
    public int FallbackPort { get; init; } = 80;

    /// <summary>When true and no ICMP socket is allowed, fail instead of falling back to TCP.</summary>
    public bool IcmpOnly { get; init; }

    /// <summary>
    /// How many requests' round trips each host lists in <see cref="PingHost.RoundTrips"/> (the first ones): fping -C's
    /// list and the JSON report. The statistics count every request; this only bounds the list, so a flood that runs
    /// for hours holds 1 MiB a host at most. Default 65,536, the sequence numbers on the wire.
    /// </summary>
    public int RoundTripHistory { get; init; } = 65_536;

    /// <summary>The trace to write socket calls to.</summary>
    public SocketTrace? Trace { get; init; }
}
