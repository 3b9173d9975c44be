using Sock.Core.Inspection;

namespace Sock.Core.Snmp;

/// <summary>UDP-MIB (RFC 4113): udpEndpointTable with the owning process, and the datagram counters.</summary>
internal static class UdpMib
{
    /// <summary>Adds the UDP group to <paramref name="b"/>.</summary>
    public static void AddTo(MibViewBuilder b, IEnumerable<SocketTableEntry> udp, ProtocolCounters counters)
    {
        var u = MibOids.Udp;
        void C32(uint n, string name) { if (counters.Get("Udp", name) is { } v) b.Scalar(u.Append(n), SnmpValue.Counter32(unchecked((uint)v))); }
        C32(1, "InDatagrams");
        C32(2, "NoPorts");
        C32(3, "InErrors");
        C32(4, "OutDatagrams");
        if (counters.Get("Udp", "InDatagrams") is { } inD) b.Scalar(u.Append(8), SnmpValue.Counter64((ulong)inD));
        if (counters.Get("Udp", "OutDatagrams") is { } outD) b.Scalar(u.Append(9), SnmpValue.Counter64((ulong)outD));

        var entry = MibOids.UdpEndpointEntry.Append(8);
        b.Column(entry);
        var index = new List<uint>(48);
        // udpEndpointInstance tells apart sockets with the same addresses (SO_REUSEPORT): the socket's inode, as
        // net-snmp's snmpd gives it on Linux, so an instance stays the same from one walk to the next.
        foreach (var row in udp)
        {
            index.Clear();
            InetAddressIndex.Append(index, row.LocalAddress);
            index.Add((uint)row.LocalPort);
            // Not connected: the remote is the wildcard of the local family, port 0, as net-snmp shows it.
            var peer = row.PeerAddress ?? (row.LocalAddress is { } la ? (la.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? System.Net.IPAddress.Any : System.Net.IPAddress.IPv6Any) : null);
            if (peer is not null && row.LocalAddress is { IsIPv4MappedToIPv6: true } && peer.Equals(System.Net.IPAddress.IPv6Any)) peer = System.Net.IPAddress.Any;
            InetAddressIndex.Append(index, peer);
            index.Add((uint)row.PeerPort);
            index.Add(unchecked((uint)row.Inode));
            b.Cell(entry, [.. index], SnmpValue.Gauge32((uint)TcpMib.OwnerPid(row)));
        }
    }
}
