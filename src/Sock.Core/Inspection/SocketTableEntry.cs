using System.Net;

namespace Sock.Core.Inspection;

/// <summary>
/// One row of the operating system's socket table, named as ss names things: netid tcp, udp, raw, u_str, u_dgr,
/// u_seq; states ESTAB, LISTEN, TIME-WAIT, UNCONN…
/// </summary>
public sealed record SocketTableEntry
{
    /// <summary>tcp, udp, raw, u_str, u_dgr or u_seq.</summary>
    public required string Netid { get; init; }

    /// <summary>The state as ss spells it.</summary>
    public required string State { get; init; }

    /// <summary>Bytes (or, for a listener, connections) waiting to be read.</summary>
    public long RecvQ { get; init; }

    /// <summary>Bytes not yet acknowledged by the peer (for a listener, the backlog when the source gives it).</summary>
    public long SendQ { get; init; }

    /// <summary>The local IP address; null for Unix sockets.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>The local port.</summary>
    public int LocalPort { get; init; }

    /// <summary>The peer's IP address; the wildcard when not connected; null for Unix sockets.</summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>The peer's port; 0 when not connected.</summary>
    public int PeerPort { get; init; }

    /// <summary>A Unix socket's path, @name for an abstract one, null when unbound.</summary>
    public string? Path { get; init; }

    /// <summary>A connected Unix socket's peer inode (0 when none or unknown).</summary>
    public long PeerInode { get; init; }

    /// <summary>The socket's inode: the number behind "socket:[N]" in /proc/PID/fd.</summary>
    public long Inode { get; init; }

    /// <summary>The owning user id.</summary>
    public int Uid { get; init; }

    /// <summary>The kernel's cookie for the socket (ss -e prints it as sk:), 0 when the source does not give it.</summary>
    public ulong Cookie { get; init; }

    /// <summary>The id of the cgroup v2 the socket belongs to (ss -e's cgroup:, as a path through <see cref="CgroupPaths"/>), 0 when the source does not give it.</summary>
    public ulong CgroupId { get; init; }

    /// <summary>For IPv6 sockets from netlink: whether IPV6_V6ONLY is set (null when unknown).</summary>
    public bool? V6Only { get; init; }

    /// <summary>The interface the socket is bound to (SO_BINDTODEVICE), 0 for none.</summary>
    public int InterfaceIndex { get; init; }

    /// <summary>The TCP timer that is pending: on (retransmit), keepalive, timewait, persist; null when none.</summary>
    public string? Timer { get; init; }

    /// <summary>Milliseconds until <see cref="Timer"/> fires.</summary>
    public long TimerExpiresMs { get; init; }

    /// <summary>Retransmissions (or keepalive probes) counted by the timer.</summary>
    public int TimerRetransmits { get; init; }

    /// <summary>TCP internals (rtt, cwnd, bytes…) when the source gives them (netlink with -i).</summary>
    public TcpInternals? Tcp { get; init; }

    /// <summary>The socket's memory (ss -m's skmem) when the source gives it (netlink, asked for).</summary>
    public SocketMemory? Memory { get; init; }

    /// <summary>The processes holding the socket, when they were looked up and could be seen.</summary>
    public IReadOnlyList<SocketOwner> Owners { get; init; } = [];

    /// <summary>True for IPv6 sockets (including IPv4-mapped ones held by AF_INET6 sockets).</summary>
    public bool IsIPv6 => LocalAddress?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    /// <summary>True for Unix domain sockets.</summary>
    public bool IsUnix => Netid.StartsWith("u_", StringComparison.Ordinal);
}
