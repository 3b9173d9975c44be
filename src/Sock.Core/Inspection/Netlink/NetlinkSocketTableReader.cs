using System.ComponentModel;
using Sock.Core.Platform.Linux;
using Sock.Core.Tracing;

namespace Sock.Core.Inspection.Netlink;

/// <summary>
/// Reads Linux's socket tables as ss does: a sock_diag dump over netlink per table (inet_diag for TCP, UDP and raw
/// over IPv4 and IPv6; unix_diag for Unix sockets). The kernel filters by state, and gives timers, uids, cookies,
/// Unix peers and, on request, tcp_info. Throws <see cref="NetlinkUnavailableException"/> when the kernel refuses,
/// so a caller can fall back to /proc/net.
/// </summary>
internal sealed class NetlinkSocketTableReader : ISocketTableReader
{
    private readonly ISocketTableReader? _tableFallback;

    /// <summary>
    /// A reader; when the kernel has no diag module for one table (raw_diag is often missing), that table is read
    /// from <paramref name="tableFallback"/> instead, as ss falls back to /proc/net/raw. With <paramref name="trace"/>,
    /// the netlink socket's calls are traced as any socket's are.
    /// </summary>
    public NetlinkSocketTableReader(ISocketTableReader? tableFallback = null, SocketTrace? trace = null)
    {
        _tableFallback = tableFallback;
        _trace = trace;
    }

    private readonly SocketTrace? _trace;

    /// <summary>The tables the last read took from the fallback because the kernel could not dump them.</summary>
    public SocketKinds FellBack { get; private set; }

    /// <inheritdoc />
    public string Source => "netlink sock_diag";

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds) => Read(new SocketTableQuery(kinds));

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketTableQuery query)
    {
        if (!OperatingSystem.IsLinux()) throw new NetlinkUnavailableException("netlink sock_diag is Linux's; there is no such socket here", new PlatformNotSupportedException());
        var rows = new List<SocketTableEntry>();
        NetlinkSocket socket;
        try { socket = NetlinkSocket.Open(_trace); }
        catch (Win32Exception ex) { throw new NetlinkUnavailableException($"cannot open a NETLINK_SOCK_DIAG socket: {ex.Message}", ex); }
        using (socket)
        {
            var buffer = new byte[64 * 1024];
            uint seq = 1;
            FellBack = 0;
            var seen = new HashSet<ulong>();
            void Dump(byte[] request, string? netid, SocketKinds kind)
            {
                var start = rows.Count;
                try
                {
                    socket.Send(request, $"{(netid is null ? "unix_diag" : "inet_diag")} dump of {Describe(kind)}");
                    while (true)
                    {
                        var n = socket.Receive(buffer);
                        if (n == 0) return;
                        var batch = SockDiagMessages.Parse(buffer.AsSpan(0, n), netid, rows, seen);
                        if (batch.Errno != 0 && _tableFallback is not null)
                        {
                            FellBack |= kind;
                            // The fallback reads the whole table of this kind: what the refused dump listed so far goes,
                            // or those sockets would be listed twice.
                            rows.RemoveRange(start, rows.Count - start);
                            rows.AddRange(_tableFallback.Read(new SocketTableQuery(kind, query.States)));
                            return;
                        }
                        if (batch.Errno != 0)
                            throw new NetlinkUnavailableException($"the kernel refused the {netid ?? "unix"} dump (errno {batch.Errno})", null);
                        if (batch.Done) return;
                    }
                }
                catch (Win32Exception ex) { throw new NetlinkUnavailableException($"sock_diag dump failed: {ex.Message}", ex); }
            }
            var states = query.States;
            var info = query.TcpInternals;
            var memory = query.Memory;
            if (query.Kinds.HasFlag(SocketKinds.Tcp4)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoTcp, states, info, seq++, memory), "tcp", SocketKinds.Tcp4);
            if (query.Kinds.HasFlag(SocketKinds.Tcp6)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet6, SockDiagMessages.IpprotoTcp, states, info, seq++, memory), "tcp", SocketKinds.Tcp6);
            if (query.Kinds.HasFlag(SocketKinds.Udp4)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoUdp, states, false, seq++, memory), "udp", SocketKinds.Udp4);
            if (query.Kinds.HasFlag(SocketKinds.Udp6)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet6, SockDiagMessages.IpprotoUdp, states, false, seq++, memory), "udp", SocketKinds.Udp6);
            if (query.Kinds.HasFlag(SocketKinds.Raw4)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoRaw, states, false, seq++, memory), "raw", SocketKinds.Raw4);
            if (query.Kinds.HasFlag(SocketKinds.Raw6)) Dump(SockDiagMessages.InetRequest(SockDiagMessages.AfInet6, SockDiagMessages.IpprotoRaw, states, false, seq++, memory), "raw", SocketKinds.Raw6);
            if (query.Kinds.HasFlag(SocketKinds.Unix)) Dump(SockDiagMessages.UnixRequest(states, seq++, memory), null, SocketKinds.Unix);
        }
        return rows;
    }

    private static string Describe(SocketKinds kind) => kind switch
    {
        SocketKinds.Tcp4 => "tcp4",
        SocketKinds.Tcp6 => "tcp6",
        SocketKinds.Udp4 => "udp4",
        SocketKinds.Udp6 => "udp6",
        SocketKinds.Raw4 => "raw4",
        SocketKinds.Raw6 => "raw6",
        _ => "unix",
    };
}

/// <summary>The kernel would not answer a sock_diag request (no netlink, module missing, a sandbox forbids it).</summary>
internal sealed class NetlinkUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NetlinkUnavailableException(string message, Exception? inner) : base(message, inner) { }
}
