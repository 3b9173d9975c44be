using System.Net;
using System.Net.Sockets;
using Sock.Core.Inspection;

namespace Sock.Core.Snmp;

/// <summary>
/// A remote host's TCP and UDP socket table read over SNMP, as net-snmp's snmpnetstat reads it, in sock stat's own
/// rows: TCP-MIB's tcpConnectionTable (state, addresses, tcpConnectionProcess) and tcpListenerTable, UDP-MIB's
/// udpEndpointTable, each PID named from HOST-RESOURCES-MIB's hrSWRunName. What SNMP does not carry (queues, inodes
/// of TCP sockets, descriptors, TCP internals) is left empty; the uid and an owner's descriptor are -1 (unknown).
/// </summary>
public static class SnmpSocketTable
{
    private static readonly Oid TcpConnectionState = Oid.Parse("1.3.6.1.2.1.6.19.1.7");
    private static readonly Oid TcpConnectionProcess = Oid.Parse("1.3.6.1.2.1.6.19.1.8");
    private static readonly Oid TcpListenerProcess = Oid.Parse("1.3.6.1.2.1.6.20.1.4");
    private static readonly Oid UdpEndpointProcess = Oid.Parse("1.3.6.1.2.1.7.7.1.8");
    private static readonly Oid HrSWRunName = Oid.Parse("1.3.6.1.2.1.25.4.2.1.2");

    // tcpConnectionState's values (RFC 4022) as ss names them; closed(1) and deleteTCB(12) are no socket ss would show.
    private static readonly string?[] States =
        [null, null, "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "LAST-ACK", "CLOSING", "TIME-WAIT", null];

    /// <summary>The sockets of <paramref name="kinds"/> (TCP and UDP, IPv4 and IPv6) on the agent <paramref name="client"/> asks, walked with GetBulk.</summary>
    public static async Task<IReadOnlyList<SocketTableEntry>> ReadAsync(SnmpClient client, SocketKinds kinds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        async Task<List<VarBind>> Walk(Oid root)
        {
            var list = new List<VarBind>();
            await foreach (var vb in client.BulkWalkAsync(root, ct).ConfigureAwait(false))
                if (vb.Oid.Length > root.Length && !vb.Value.IsException) list.Add(vb);
            return list;
        }
        var names = new Dictionary<long, string>();
        foreach (var vb in await Walk(HrSWRunName).ConfigureAwait(false))
            names[vb.Oid.Arcs[^1]] = System.Text.Encoding.UTF8.GetString(vb.Value.Bytes);
        IReadOnlyList<SocketOwner> Owner(long pid) => pid > 0 ? [new SocketOwner((int)pid, names.GetValueOrDefault(pid, "?"), -1)] : [];
        bool Wanted(string netid, IPAddress a)
        {
            var v6 = a.AddressFamily == AddressFamily.InterNetworkV6;
            var bit = (netid, v6) switch
            {
                ("tcp", false) => SocketKinds.Tcp4, ("tcp", true) => SocketKinds.Tcp6,
                ("udp", false) => SocketKinds.Udp4, _ => SocketKinds.Udp6,
            };
            return (kinds & bit) != 0;
        }

        var rows = new List<SocketTableEntry>();
        if ((kinds & SocketKinds.Tcp) != 0)
        {
            // Listeners first, as ss lists them.
            foreach (var vb in await Walk(TcpListenerProcess).ConfigureAwait(false))
            {
                var arcs = Index(vb.Oid, TcpListenerProcess).Arcs;
                var at = 0;
                var local = InetAddressIndex.Read(arcs, ref at) ?? (arcs.Length > 0 && arcs[0] == InetAddressIndex.IPv6 ? IPAddress.IPv6Any : IPAddress.Any);
                if (at >= arcs.Length || !Wanted("tcp", local)) continue;
                rows.Add(new SocketTableEntry
                {
                    Netid = "tcp", State = "LISTEN", Uid = -1, LocalAddress = local, LocalPort = (int)arcs[at],
                    PeerAddress = local.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any,
                    Owners = Owner(vb.Value.Number),
                });
            }
            var process = new Dictionary<Oid, long>();
            foreach (var vb in await Walk(TcpConnectionProcess).ConfigureAwait(false)) process[Index(vb.Oid, TcpConnectionProcess)] = vb.Value.Number;
            foreach (var vb in await Walk(TcpConnectionState).ConfigureAwait(false))
            {
                var index = Index(vb.Oid, TcpConnectionState);
                var arcs = index.Arcs;
                var at = 0;
                if (InetAddressIndex.Read(arcs, ref at) is not { } local || at >= arcs.Length) continue;
                var localPort = (int)arcs[at++];
                if (InetAddressIndex.Read(arcs, ref at) is not { } remote || at >= arcs.Length) continue;
                var remotePort = (int)arcs[at];
                var state = vb.Value.Number is >= 0 and < 13 ? States[vb.Value.Number] : null;
                if (state is null || !Wanted("tcp", local)) continue;
                rows.Add(new SocketTableEntry
                {
                    Netid = "tcp", State = state, Uid = -1, LocalAddress = local, LocalPort = localPort, PeerAddress = remote, PeerPort = remotePort,
                    Owners = Owner(process.GetValueOrDefault(index)),
                });
            }
        }
        if ((kinds & SocketKinds.Udp) != 0)
        {
            foreach (var vb in await Walk(UdpEndpointProcess).ConfigureAwait(false))
            {
                var arcs = Index(vb.Oid, UdpEndpointProcess).Arcs;
                var at = 0;
                if (InetAddressIndex.Read(arcs, ref at) is not { } local || at >= arcs.Length) continue;
                var localPort = (int)arcs[at++];
                var remote = InetAddressIndex.Read(arcs, ref at);
                if (at + 1 >= arcs.Length || !Wanted("udp", local)) continue;
                var remotePort = (int)arcs[at++];
                rows.Add(new SocketTableEntry
                {
                    Netid = "udp", State = remotePort == 0 ? "UNCONN" : "ESTAB", Uid = -1, LocalAddress = local, LocalPort = localPort,
                    PeerAddress = remote ?? (local.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), PeerPort = remotePort,
                    Inode = arcs[at], // udpEndpointInstance: the socket's inode on Linux agents (snmpd's and sock's)
                    Owners = Owner(vb.Value.Number),
                });
            }
        }
        return rows;
    }

    private static Oid Index(Oid oid, Oid column) => new(oid.Arcs[column.Length..].ToArray());
}
