using System.Globalization;

namespace Sock.Core.Snmp;

/// <summary>
/// IF-MIB (RFC 2863): ifNumber, ifTable and ifXTable from Linux's /sys/class/net (index, name, type, MTU, speed,
/// address, state and counters). Nothing where there is no /sys.
/// </summary>
internal static class IfMib
{
    /// <summary>Adds the interfaces of <paramref name="sysClassNet"/> to <paramref name="b"/>.</summary>
    public static void AddTo(MibViewBuilder b, string sysClassNet = "/sys/class/net")
    {
        if (!Directory.Exists(sysClassNet)) return;
        var rows = new List<(uint Index, string Name, string Dir)>();
        foreach (var dir in Directory.EnumerateDirectories(sysClassNet).Concat(Directory.EnumerateFileSystemEntries(sysClassNet)).Distinct())
        {
            if (!uint.TryParse(Read(dir, "ifindex"), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) continue;
            rows.Add((index, Path.GetFileName(dir), dir));
        }
        b.Scalar(MibOids.Interfaces.Append(1), SnmpValue.Integer(rows.Count));
        var e = MibOids.IfEntry;
        var x = MibOids.IfXEntry;
        foreach (var (index, name, dir) in rows)
        {
            uint[] i = [index];
            var type = Number(dir, "type");
            var flags = Hex(Read(dir, "flags"));
            var loopback = type == 772;
            // Speed in Mb/s; reading it fails on interfaces without a link speed (loopback, veth down).
            var mbps = Number(dir, "speed");
            if (mbps <= 0) mbps = loopback ? 10 : 0;
            var mac = ParseMac(Read(dir, "address"));
            b.Cell(e.Append(1), i, SnmpValue.Integer((int)index));
            b.Cell(e.Append(2), i, SnmpValue.OctetString(name));
            b.Cell(e.Append(3), i, SnmpValue.Integer(type switch { 1 => 6, 772 => 24, 768 or 769 or 776 => 131, 65534 => 1, _ => 1 }));
            b.Cell(e.Append(4), i, SnmpValue.Integer((int)Number(dir, "mtu")));
            b.Cell(e.Append(5), i, SnmpValue.Gauge32((uint)Math.Min(uint.MaxValue, mbps * 1_000_000)));
            b.Cell(e.Append(6), i, SnmpValue.OctetString(loopback ? [] : mac));
            b.Cell(e.Append(7), i, SnmpValue.Integer((flags & 1) != 0 ? 1 : 2));
            b.Cell(e.Append(8), i, SnmpValue.Integer(OperStatus(Read(dir, "operstate"), flags)));
            b.Cell(e.Append(9), i, SnmpValue.TimeTicks(0));
            var rxBytes = Stat(dir, "rx_bytes");
            var txBytes = Stat(dir, "tx_bytes");
            b.Cell(e.Append(10), i, SnmpValue.Counter32(unchecked((uint)rxBytes)));
            b.Cell(e.Append(11), i, SnmpValue.Counter32(unchecked((uint)(Stat(dir, "rx_packets") - Stat(dir, "multicast")))));
            b.Cell(e.Append(13), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "rx_dropped"))));
            b.Cell(e.Append(14), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "rx_errors"))));
            b.Cell(e.Append(16), i, SnmpValue.Counter32(unchecked((uint)txBytes)));
            b.Cell(e.Append(17), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "tx_packets"))));
            b.Cell(e.Append(19), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "tx_dropped"))));
            b.Cell(e.Append(20), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "tx_errors"))));
            b.Cell(x.Append(1), i, SnmpValue.OctetString(name));
            b.Cell(x.Append(2), i, SnmpValue.Counter32(unchecked((uint)Stat(dir, "multicast"))));
            b.Cell(x.Append(6), i, SnmpValue.Counter64((ulong)rxBytes));
            b.Cell(x.Append(7), i, SnmpValue.Counter64((ulong)Math.Max(0, Stat(dir, "rx_packets") - Stat(dir, "multicast"))));
            b.Cell(x.Append(10), i, SnmpValue.Counter64((ulong)txBytes));
            b.Cell(x.Append(11), i, SnmpValue.Counter64((ulong)Stat(dir, "tx_packets")));
            b.Cell(x.Append(15), i, SnmpValue.Gauge32((uint)Math.Min(uint.MaxValue, mbps)));
            b.Cell(x.Append(18), i, SnmpValue.OctetString(Read(dir, "ifalias")));
        }
    }

    private static int OperStatus(string state, long flags) => state switch
    {
        "up" => 1,
        "down" => 2,
        "testing" => 3,
        "dormant" => 5,
        "notpresent" => 6,
        "lowerlayerdown" => 7,
        // Loopback and tunnels report "unknown"; IFF_RUNNING (0x40) says whether they carry traffic.
        _ => (flags & 0x40) != 0 ? 1 : 4,
    };

    private static string Read(string dir, string file)
    {
        try { return File.ReadAllText(Path.Combine(dir, file)).Trim(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return ""; }
    }

    private static long Number(string dir, string file) =>
        long.TryParse(Read(dir, file), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static long Stat(string dir, string name) => Number(Path.Combine(dir, "statistics"), name);

    private static long Hex(string s) =>
        s.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static byte[] ParseMac(string s)
    {
        if (s.Length == 0) return [];
        var parts = s.Split(':');
        var bytes = new byte[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i])) return [];
        return bytes;
    }
}
