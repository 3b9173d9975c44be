using Sock.Core.Inspection;

namespace Sock.Core.Snmp;

/// <summary>
/// TCP-MIB (RFC 4022) from the socket table: tcpConnectionTable (every TCP socket but listeners) and
/// tcpListenerTable with the owning process, the IPv4-only tcpConnTable of RFC 1213 that older managers walk, and the
/// scalars from the kernel's counters.
/// </summary>
internal static class TcpMib
{
    /// <summary>tcpConnectionState's value for an ss state name (closed(1) … timeWait(11)).</summary>
    public static int StateNumber(string ssState) => ssState switch
    {
        "LISTEN" => 2, "SYN-SENT" => 3, "SYN-RECV" => 4, "ESTAB" => 5, "FIN-WAIT-1" => 6, "FIN-WAIT-2" => 7,
        "CLOSE-WAIT" => 8, "LAST-ACK" => 9, "CLOSING" => 10, "TIME-WAIT" => 11, _ => 1,
    };

    /// <summary>Adds the TCP group to <paramref name="b"/>.</summary>
    public static void AddTo(MibViewBuilder b, IEnumerable<SocketTableEntry> tcp, ProtocolCounters counters)
    {
        var t = MibOids.Tcp;
        void Int(uint n, string name) { if (counters.Get("Tcp", name) is { } v) b.Scalar(t.Append(n), SnmpValue.Integer((int)v)); }
        void C32(uint n, string name) { if (counters.Get("Tcp", name) is { } v) b.Scalar(t.Append(n), SnmpValue.Counter32(unchecked((uint)v))); }
        Int(1, "RtoAlgorithm");
        Int(2, "RtoMin");
        Int(3, "RtoMax");
        Int(4, "MaxConn");
        C32(5, "ActiveOpens");
        C32(6, "PassiveOpens");
        C32(7, "AttemptFails");
        C32(8, "EstabResets");
        if (counters.Get("Tcp", "CurrEstab") is { } estab) b.Scalar(t.Append(9), SnmpValue.Gauge32((uint)Math.Max(0, estab)));
        C32(10, "InSegs");
        C32(11, "OutSegs");
        C32(12, "RetransSegs");
        C32(14, "InErrs");
        C32(15, "OutRsts");
        if (counters.Get("Tcp", "InSegs") is { } inSegs) b.Scalar(t.Append(17), SnmpValue.Counter64((ulong)inSegs));
        if (counters.Get("Tcp", "OutSegs") is { } outSegs) b.Scalar(t.Append(18), SnmpValue.Counter64((ulong)outSegs));

        var conn = MibOids.TcpConnectionEntry;
        var listen = MibOids.TcpListenerEntry;
        var old = MibOids.TcpConnEntry;
        b.Column(conn.Append(7));
        b.Column(conn.Append(8));
        b.Column(listen.Append(4));
        var index = new List<uint>(48);
        foreach (var row in tcp)
        {
            var pid = SnmpValue.Gauge32((uint)OwnerPid(row));
            index.Clear();
            InetAddressIndex.Append(index, row.LocalAddress);
            index.Add((uint)row.LocalPort);
            if (row.State == "LISTEN")
            {
                b.Cell(listen.Append(4), [.. index], pid);
            }
            else
            {
                InetAddressIndex.Append(index, row.PeerAddress);
                index.Add((uint)row.PeerPort);
                var arcs = index.ToArray();
                b.Cell(conn.Append(7), arcs, SnmpValue.Integer(StateNumber(row.State)));
                b.Cell(conn.Append(8), arcs, pid);
            }
            AddOldRow(b, old, row);
        }
    }

    // tcpConnTable: IPv4 only, listeners included (remote 0.0.0.0:0), indexed by the two address:port pairs.
    private static void AddOldRow(MibViewBuilder b, Oid entry, SocketTableEntry row)
    {
        var local = row.LocalAddress;
        var peer = row.PeerAddress;
        if (local is null || peer is null) return;
        if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
        if (peer.IsIPv4MappedToIPv6) peer = peer.MapToIPv4();
        if (local.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || peer.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return;
        var lb = local.GetAddressBytes();
        var pb = peer.GetAddressBytes();
        uint[] index = [lb[0], lb[1], lb[2], lb[3], (uint)row.LocalPort, pb[0], pb[1], pb[2], pb[3], (uint)row.PeerPort];
        b.Cell(entry.Append(1), index, SnmpValue.Integer(StateNumber(row.State)));
        b.Cell(entry.Append(2), index, SnmpValue.IpAddress(local));
        b.Cell(entry.Append(3), index, SnmpValue.Integer(row.LocalPort));
        b.Cell(entry.Append(4), index, SnmpValue.IpAddress(peer));
        b.Cell(entry.Append(5), index, SnmpValue.Integer(row.PeerPort));
    }

    /// <summary>The process the row's socket belongs to: the lowest PID holding it, 0 when unknown (as the MIB says).</summary>
    internal static int OwnerPid(SocketTableEntry row) => row.Owners.Count == 0 ? 0 : row.Owners.Min(o => o.Pid);
}
