namespace Sock.Core.Peer;

/// <summary>The reliable UDP stream's settings, each with a documented default (docs/peer-protocol.md).</summary>
public sealed class ReliableStreamOptions
{
    /// <summary>
    /// Payload bytes per DATA datagram; 0 (the default) takes the path's: the connected socket's route MTU (IP_MTU), at most
    /// 1500, less the IP, UDP and DATA headers — 1466 bytes over IPv4, 1446 over IPv6 — or 1200 (under IPv6's minimum
    /// MTU of 1280) where the kernel does not say.
    /// </summary>
    public int MaxPayload { get; set; }

    /// <summary>
    /// Packets in flight at most (default 1024: 1.5 MB, 75 MB/s at 20 ms RTT), and fewer — down to 128 — when the socket's
    /// receive buffer holds fewer: Linux caps it at net.core.rmem_max (208 KiB on a stock system, about 170 packets)
    /// and each datagram costs more than its payload there, so a larger burst would overflow the receiver's kernel
    /// buffer and be lost to the socket, not the path.
    /// </summary>
    public int Window { get; set; } = 1024;

    /// <summary>The retransmission timeout before any RTT sample (RFC 6298's 1 s).</summary>
    public TimeSpan InitialRto { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The smallest retransmission timeout (default 50 ms: peers are often on one LAN).</summary>
    public TimeSpan MinRto { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The largest retransmission timeout, however often it backs off (default 4 s).</summary>
    public TimeSpan MaxRto { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How many times one packet is sent before the peer is declared gone (default 20).</summary>
    public int MaxTries { get; set; } = 20;

    /// <summary>A KEEPALIVE is sent when nothing was sent for this long (default 15 s), to hold NAT mappings open.</summary>
    public TimeSpan Keepalive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>With nothing received for this long, the peer is gone (default: three keepalives).</summary>
    public TimeSpan? DeadAfter { get; set; }

    /// <summary>-q: quit this long after end of input (negative: never quit on that account).</summary>
    public TimeSpan? QuitAfterEof { get; set; }

    internal TimeSpan DeadAfterOrDefault => DeadAfter ?? Keepalive * 3;
}
