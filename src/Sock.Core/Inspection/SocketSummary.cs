using System.Globalization;

namespace Sock.Core.Inspection;

/// <summary>
/// Totals by protocol and state, as ss -s prints them, from the kernel's counters (/proc/net/sockstat,
/// sockstat6 and snmp): no table walk, so it costs the same with a million sockets as with ten.
/// </summary>
/// <param name="Sockets">Sockets in use, of every family.</param>
/// <param name="TcpAllocated">TCP sockets allocated (including ones not hashed yet and orphans).</param>
/// <param name="TcpEstablished">TCP connections established or in close-wait (CurrEstab).</param>
/// <param name="TcpOrphaned">TCP sockets no process holds any more.</param>
/// <param name="TcpTimeWait">TCP sockets in TIME-WAIT.</param>
/// <param name="Tcp4">TCP over IPv4 in the hash tables.</param>
/// <param name="Tcp6">TCP over IPv6 in the hash tables.</param>
/// <param name="Udp4">UDP over IPv4.</param>
/// <param name="Udp6">UDP over IPv6.</param>
/// <param name="Raw4">Raw IPv4.</param>
/// <param name="Raw6">Raw IPv6.</param>
/// <param name="Frag4">IPv4 fragment queues.</param>
/// <param name="Frag6">IPv6 fragment queues.</param>
public sealed record SocketSummary(
    long Sockets, long TcpAllocated, long TcpEstablished, long TcpOrphaned, long TcpTimeWait,
    long Tcp4, long Tcp6, long Udp4, long Udp6, long Raw4, long Raw6, long Frag4, long Frag6)
{
    /// <summary>The TCP total ss -s prints first: allocated sockets plus time-wait ones.</summary>
    public long TcpTotal => TcpAllocated + TcpTimeWait;

    /// <summary>TCP sockets closed but not yet freed, as ss computes it.</summary>
    public long TcpClosed => TcpAllocated - (Tcp4 + Tcp6 - TcpTimeWait);

    /// <summary>Reads the counters under <paramref name="procNet"/>; missing files count as zero.</summary>
    public static SocketSummary Read(string procNet = "/proc/net")
    {
        string Text(string f)
        {
            try { return File.ReadAllText(Path.Combine(procNet, f)); }
            catch (IOException) { return ""; }
            catch (UnauthorizedAccessException) { return ""; }
        }
        return Parse(Text("sockstat"), Text("sockstat6"), Text("snmp"));
    }

    /// <summary>Parses the text of sockstat, sockstat6 and snmp.</summary>
    internal static SocketSummary Parse(string sockstat, string sockstat6, string snmp)
    {
        var v4 = Fields(sockstat);
        var v6 = Fields(sockstat6);
        long Get(Dictionary<string, long> d, string key) => d.TryGetValue(key, out var v) ? v : 0;
        long estab = 0;
        var lines = snmp.Split('\n');
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Tcp:", StringComparison.Ordinal) || !lines[i + 1].StartsWith("Tcp:", StringComparison.Ordinal)) continue;
            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(names, "CurrEstab");
            if (at > 0 && at < values.Length) _ = long.TryParse(values[at], NumberStyles.Integer, CultureInfo.InvariantCulture, out estab);
            break;
        }
        return new SocketSummary(
            Get(v4, "sockets.used"), Get(v4, "TCP.alloc"), estab, Get(v4, "TCP.orphan"), Get(v4, "TCP.tw"),
            Get(v4, "TCP.inuse"), Get(v6, "TCP6.inuse"), Get(v4, "UDP.inuse"), Get(v6, "UDP6.inuse"),
            Get(v4, "RAW.inuse"), Get(v6, "RAW6.inuse"), Get(v4, "FRAG.inuse"), Get(v6, "FRAG6.inuse"));
    }

    // "TCP: inuse 3 orphan 0 tw 1 alloc 4 mem 212" → TCP.inuse=3, TCP.orphan=0…
    private static Dictionary<string, long> Fields(string text)
    {
        var d = new Dictionary<string, long>();
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var proto = line[..colon];
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < f.Length; i += 2)
                if (long.TryParse(f[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                    d[proto + "." + f[i]] = v;
        }
        return d;
    }
}
