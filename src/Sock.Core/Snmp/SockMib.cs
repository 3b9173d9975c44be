using Sock.Core.Connections;

namespace Sock.Core.Snmp;

/// <summary>
/// SOCK-MIB (docs/SOCK-MIB.txt): the serving engine's totals, listening addresses and live connections, served by an
/// agent that runs beside sock serve, forward or proxy (<see cref="SnmpAgentOptions.Server"/>).
/// </summary>
/// <remarks>
/// IANA has assigned sock no private enterprise number, so the subtree sits under net-snmp's experimental arc
/// NET-SNMP-MIB::netSnmpPlaypen (1.3.6.1.4.1.8072.9999.9999), which net-snmp documents as free for local experiments,
/// at sub-arc 7. Everything below hangs off <see cref="Root"/>: whoever holds a number of their own changes that one
/// line (and the MIB file's sockMIB line).
/// </remarks>
public static class SockMib
{
    /// <summary>sockMIB: netSnmpPlaypen.7, 1.3.6.1.4.1.8072.9999.9999.7.</summary>
    public static readonly Oid Root = Oid.Parse("1.3.6.1.4.1.8072.9999.9999.7");

    /// <summary>sockServer: the scalars (command, uptime, totals), Root.1.1.</summary>
    public static readonly Oid Server = Root.Append(1).Append(1);

    /// <summary>sockListenEntry: Root.1.2.1.</summary>
    public static readonly Oid ListenEntry = Root.Append(1).Append(2).Append(1);

    /// <summary>sockConnEntry: Root.1.3.1.</summary>
    public static readonly Oid ConnEntry = Root.Append(1).Append(3).Append(1);

    /// <summary>sockConnState's value for a record's state: established(1), closing(2), closed(3), other(4).</summary>
    internal static int StateNumber(string state) => state switch { "ESTAB" => 1, "CLOSING" => 2, "CLOSED" => 3, _ => 4 };

    /// <summary>Adds the subtree for <paramref name="status"/> to <paramref name="b"/>.</summary>
    internal static void AddTo(MibViewBuilder b, SockServerStatus status, DateTimeOffset now)
    {
        var s = Server;
        static SnmpValue C64(long v) => SnmpValue.Counter64((ulong)Math.Max(0, v));
        b.Scalar(s.Append(1), SnmpValue.OctetString(status.Command));
        b.Scalar(s.Append(2), SnmpValue.TimeTicks(unchecked((uint)Math.Max(0, (long)((now - status.Started).TotalMilliseconds / 10)))));
        b.Scalar(s.Append(3), C64(status.Accepted));
        b.Scalar(s.Append(4), SnmpValue.Gauge32((uint)Math.Clamp(status.Open, 0, uint.MaxValue)));
        b.Scalar(s.Append(5), C64(status.Refused));
        b.Scalar(s.Append(6), C64(status.BytesIn));
        b.Scalar(s.Append(7), C64(status.BytesOut));

        b.Column(ListenEntry.Append(2));
        b.Column(ListenEntry.Append(3));
        for (var i = 0; i < status.Listening.Count; i++)
        {
            var text = status.Listening[i];
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            uint[] index = [(uint)(i + 1)];
            b.Cell(ListenEntry.Append(2), index, SnmpValue.OctetString(space < 0 ? "" : text[..space]));
            b.Cell(ListenEntry.Append(3), index, SnmpValue.OctetString(space < 0 ? text : text[(space + 1)..]));
        }

        var c = ConnEntry;
        for (uint column = 2; column <= 10; column++) b.Column(c.Append(column));
        foreach (var r in status.Connections)
        {
            if (r.Id is <= 0 or > uint.MaxValue) continue; // the index is an Unsigned32 (1..): a record without one is not served
            uint[] index = [(uint)r.Id];
            var (localAddress, localPort) = Split(r.Local);
            var (remoteAddress, remotePort) = Split(r.Remote);
            b.Cell(c.Append(2), index, SnmpValue.OctetString(r.Protocol));
            b.Cell(c.Append(3), index, SnmpValue.OctetString(localAddress));
            b.Cell(c.Append(4), index, SnmpValue.Gauge32(localPort));
            b.Cell(c.Append(5), index, SnmpValue.OctetString(remoteAddress));
            b.Cell(c.Append(6), index, SnmpValue.Gauge32(remotePort));
            b.Cell(c.Append(7), index, SnmpValue.Integer(StateNumber(r.State)));
            b.Cell(c.Append(8), index, C64(r.BytesIn));
            b.Cell(c.Append(9), index, C64(r.BytesOut));
            b.Cell(c.Append(10), index, SnmpValue.OctetString(DateAndTime(r.OpenedAt)));
        }
    }

    // A record's address as text ("127.0.0.1:7", "[::1]:7", a Unix path, "*") split into address and port (0: none).
    internal static (string Address, uint Port) Split(string text)
    {
        if (text.StartsWith('[') && text.LastIndexOf("]:", StringComparison.Ordinal) is var close and > 0
            && uint.TryParse(text.AsSpan(close + 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p6))
            return (text[1..close], p6);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon == text.LastIndexOf(':') && !text.StartsWith('/')
            && uint.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p4))
            return (text[..colon], p4);
        return (text, 0);
    }

    // SNMPv2-TC DateAndTime in UTC, the 11-byte form with its direction and offset (+0:0), as snmpd's hrSystemDate.
    internal static byte[] DateAndTime(DateTimeOffset time)
    {
        var t = time.UtcDateTime;
        return [(byte)(t.Year >> 8), (byte)t.Year, (byte)t.Month, (byte)t.Day, (byte)t.Hour, (byte)t.Minute, (byte)t.Second,
            (byte)(t.Millisecond / 100), (byte)'+', 0, 0];
    }
}
