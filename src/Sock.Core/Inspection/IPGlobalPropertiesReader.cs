using System.Net;
using System.Net.NetworkInformation;

namespace Sock.Core.Inspection;

/// <summary>
/// The portable fallback: what .NET's <see cref="IPGlobalProperties"/> gives on any operating system — TCP
/// connections with states, TCP listeners and UDP listeners. No owners, queues, inodes, timers, Unix or raw sockets.
/// </summary>
internal sealed class IPGlobalPropertiesReader : ISocketTableReader
{
    /// <summary>What this source cannot show, for the one-line note commands print.</summary>
    public const string Missing =
        "this system's socket table comes from .NET's IPGlobalProperties: no owning processes, queues, timers, Unix or raw sockets";

    /// <inheritdoc />
    public string Source => "IPGlobalProperties";

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds)
    {
        var props = IPGlobalProperties.GetIPGlobalProperties();
        var rows = new List<SocketTableEntry>();
        bool Wanted(IPAddress a, SocketKinds v4, SocketKinds v6) =>
            kinds.HasFlag(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? v6 : v4);
        if ((kinds & SocketKinds.Tcp) != 0)
        {
            foreach (var l in props.GetActiveTcpListeners())
                if (Wanted(l.Address, SocketKinds.Tcp4, SocketKinds.Tcp6))
                    rows.Add(new SocketTableEntry
                    {
                        Netid = "tcp", State = "LISTEN", LocalAddress = l.Address, LocalPort = l.Port,
                        PeerAddress = Any(l.Address), PeerPort = 0,
                    });
            foreach (var c in props.GetActiveTcpConnections())
                if (Wanted(c.LocalEndPoint.Address, SocketKinds.Tcp4, SocketKinds.Tcp6) && c.State != TcpState.Listen)
                    rows.Add(new SocketTableEntry
                    {
                        Netid = "tcp", State = StateName(c.State),
                        LocalAddress = c.LocalEndPoint.Address, LocalPort = c.LocalEndPoint.Port,
                        PeerAddress = c.RemoteEndPoint.Address, PeerPort = c.RemoteEndPoint.Port,
                    });
        }
        if ((kinds & SocketKinds.Udp) != 0)
            foreach (var u in props.GetActiveUdpListeners())
                if (Wanted(u.Address, SocketKinds.Udp4, SocketKinds.Udp6))
                    rows.Add(new SocketTableEntry
                    {
                        Netid = "udp", State = "UNCONN", LocalAddress = u.Address, LocalPort = u.Port,
                        PeerAddress = Any(u.Address), PeerPort = 0,
                    });
        return rows;
    }

    private static IPAddress Any(IPAddress like) =>
        like.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    private static string StateName(TcpState s) => s switch
    {
        TcpState.Established => "ESTAB",
        TcpState.SynSent => "SYN-SENT",
        TcpState.SynReceived => "SYN-RECV",
        TcpState.FinWait1 => "FIN-WAIT-1",
        TcpState.FinWait2 => "FIN-WAIT-2",
        TcpState.TimeWait => "TIME-WAIT",
        TcpState.Closed => "UNCONN",
        TcpState.CloseWait => "CLOSE-WAIT",
        TcpState.LastAck => "LAST-ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        _ => "UNKNOWN",
    };
}
