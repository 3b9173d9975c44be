using System.Globalization;
using System.Net;
using System.Text;

namespace Sock.Core.Snmp;

/// <summary>
/// Varbinds as net-snmp's tools print them: "TCP-MIB::tcpConnectionState.ipv4."127.0.0.1".22.ipv4."127.0.0.1".5000 =
/// INTEGER: established(5)". <paramref name="numericOids"/> is snmpwalk's -On; without <paramref name="useMibs"/>
/// nothing is named and values read as net-snmp prints them with no MIB loaded (-m '').
/// </summary>
public sealed class SnmpText(bool numericOids = false, bool useMibs = true)
{
    private static readonly Oid SysUpTimeInstance = MibOids.SysUpTime.Append(0);

    /// <summary>The OID as a name, or numbers.</summary>
    public string FormatOid(Oid oid) => FormatOid(oid, useMibs ? MibNames.ObjectOf(oid) : null);

    // obj: the object oid is an instance of, looked up once per line by the caller.
    private string FormatOid(Oid oid, MibObject? obj)
    {
        if (numericOids) return "." + oid;
        if (!useMibs) return Unnamed(oid);
        if (oid == SysUpTimeInstance) return "DISMAN-EVENT-MIB::sysUpTimeInstance";
        if (obj is null) return Unnamed(oid);
        var rest = oid.Arcs[obj.Oid.Length..];
        return $"{obj.Module}::{obj.Name}{(rest.IsEmpty ? "" : "." + FormatIndex(obj.Index, rest))}";
    }

    // net-snmp with no MIB: the first arc by its name (ccitt, iso, joint-iso-ccitt), the rest in numbers.
    private static string Unnamed(Oid oid)
    {
        var first = oid[0] switch { 0 => "ccitt", 1 => "iso", _ => "joint-iso-ccitt" };
        return oid.Length == 1 ? first : first + "." + string.Join('.', oid.Arcs[1..].ToArray());
    }

    private static string FormatIndex(MibIndex kind, ReadOnlySpan<uint> arcs)
    {
        var sb = new StringBuilder();
        var at = 0;
        var parts = kind switch { MibIndex.InetPort => 1, MibIndex.InetPortInetPort => 2, MibIndex.InetPortInetPortInstance => 2, _ => 0 };
        for (var p = 0; p < parts; p++)
        {
            var start = at;
            if (at + 2 > arcs.Length) return Numbers(arcs);
            var type = arcs[at];
            var address = InetAddressIndex.Read(arcs, ref at);
            if (at >= arcs.Length) return Numbers(arcs);
            if (sb.Length > 0) sb.Append('.');
            var typeName = type switch { 0 => "unknown", 1 => "ipv4", 2 => "ipv6", 3 => "ipv4z", 4 => "ipv6z", 16 => "dns", _ => null };
            if (typeName is null || (address is null && arcs[start + 1] != 0)) return Numbers(arcs);
            sb.Append(typeName).Append(".\"").Append(address is null ? "" : InetText(address)).Append("\".").Append(arcs[at++].ToString(CultureInfo.InvariantCulture));
        }
        if (at < arcs.Length) sb.Append(sb.Length > 0 ? "." : "").Append(Numbers(arcs[at..]));
        return sb.ToString();
    }

    // InetAddressIPv6's display hint is 2x:2x:…; IPv4 is dotted.
    private static string InetText(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
        ? a.ToString()
        : string.Join(':', a.GetAddressBytes().Chunk(2).Select(c => Convert.ToHexStringLower(c)));

    private static string Numbers(ReadOnlySpan<uint> arcs) => string.Join('.', arcs.ToArray());

    /// <summary>"TYPE: value" as net-snmp prints it (or its exception text).</summary>
    public string FormatValue(VarBind vb) => FormatValue(vb, useMibs ? MibNames.ObjectOf(vb.Oid) : null);

    // DISPLAY-HINT "2d-1d-1d,1d:1d:1d.1d,1a1d:1d": the offset from UTC only in the 11-byte form.
    private static string DateAndTime(ReadOnlySpan<byte> b)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(b[0] << 8) | b[1]}-{b[2]}-{b[3]},{b[4]}:{b[5]}:{b[6]}.{b[7]}");
        return b.Length == 8 ? text : string.Create(CultureInfo.InvariantCulture, $"{text},{(char)b[8]}{b[9]}:{b[10]}");
    }

    private string FormatValue(VarBind vb, MibObject? obj)
    {
        var v = vb.Value;
        var syntax = obj?.Syntax ?? MibSyntax.None;
        return v.Type switch
        {
            SnmpValueType.Integer => syntax == MibSyntax.Enumeration && obj!.Labels!.TryGetValue(v.Number, out var label)
                ? string.Create(CultureInfo.InvariantCulture, $"INTEGER: {label}({v.Number})")
                : string.Create(CultureInfo.InvariantCulture, $"INTEGER: {v.Number}"),
            SnmpValueType.OctetString => syntax switch
            {
                MibSyntax.DisplayString => "STRING: " + Encoding.UTF8.GetString(v.Bytes),
                MibSyntax.PhysAddress => "STRING: " + string.Join(':', v.Bytes.ToArray().Select(b => b.ToString("x", CultureInfo.InvariantCulture))),
                MibSyntax.DateAndTime when v.Bytes.Length is 8 or 11 => "STRING: " + DateAndTime(v.Bytes),
                _ => RawString(v.Bytes),
            },
            SnmpValueType.Null => "NULL",
            SnmpValueType.ObjectIdentifier => "OID: " + FormatOid(v.ObjectId!),
            SnmpValueType.IpAddress => "IpAddress: " + v.AsIPAddress(),
            SnmpValueType.Counter32 => string.Create(CultureInfo.InvariantCulture, $"Counter32: {v.Number}"),
            SnmpValueType.Gauge32 => string.Create(CultureInfo.InvariantCulture, $"Gauge32: {v.Number}"),
            SnmpValueType.TimeTicks => string.Create(CultureInfo.InvariantCulture, $"Timeticks: ({v.Number}) {Uptime(v.Number)}"),
            SnmpValueType.Opaque => "OPAQUE: " + Hex(v.Bytes),
            SnmpValueType.Counter64 => string.Create(CultureInfo.InvariantCulture, $"Counter64: {v.Unsigned}"),
            SnmpValueType.NoSuchObject => "No Such Object available on this agent at this OID",
            SnmpValueType.NoSuchInstance => "No Such Instance currently exists at this OID",
            _ => "No more variables left in this MIB View (It is past the end of the MIB tree)",
        };
    }

    /// <summary>One line: "NAME = TYPE: value".</summary>
    public string Line(VarBind vb)
    {
        var obj = useMibs ? MibNames.ObjectOf(vb.Oid) : null;
        return $"{FormatOid(vb.Oid, obj)} = {FormatValue(vb, obj)}";
    }

    /// <summary>
    /// <see cref="Line"/> and a newline written to <paramref name="output"/>, without making the line a string first
    /// (a numeric OID is formatted straight into a stack buffer): a walk writes tens of thousands of them.
    /// </summary>
    internal void WriteLine(TextWriter output, VarBind vb)
    {
        var obj = useMibs ? MibNames.ObjectOf(vb.Oid) : null;
        if (numericOids)
        {
            Span<char> name = stackalloc char[Oid.MaxArcs * 11 + 1];
            name[0] = '.';
            output.Write(name[..(Oid.Format(vb.Oid.Arcs, name[1..]) + 1)]);
        }
        else output.Write(FormatOid(vb.Oid, obj));
        output.Write(" = ");
        output.WriteLine(FormatValue(vb, obj));
    }

    /// <summary>The value alone, without its type ("established(5)", "lo", "12345").</summary>
    public string BareValue(VarBind vb)
    {
        var text = FormatValue(vb);
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (vb.Value.IsException || colon < 0) return text == "\"\"" ? "" : text;
        var value = text[(colon + 2)..];
        return value.Length >= 2 && value[0] == '"' && value[^1] == '"' && vb.Value.Type == SnmpValueType.OctetString ? value[1..^1] : value;
    }

    // No hint: quoted when every byte is printable or white space (C's isprint/isspace), else hex bytes.
    private static string RawString(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "\"\"";
        foreach (var b in bytes)
            if (b is not ((>= 0x20 and <= 0x7E) or (>= 0x09 and <= 0x0D))) return "Hex-STRING: " + Hex(bytes);
        var sb = new StringBuilder("STRING: \"", bytes.Length + 12);
        foreach (var b in bytes)
        {
            if (b is (byte)'"' or (byte)'\\') sb.Append('\\');
            sb.Append((char)b);
        }
        return sb.Append('"').ToString();
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes) sb.Append(b.ToString("X2", CultureInfo.InvariantCulture)).Append(' ');
        return sb.ToString();
    }

    /// <summary>TimeTicks as net-snmp's uptime string: "0:00:01.68", "1 day, 2:03:04.05", "3 days, …".</summary>
    public static string Uptime(long ticks)
    {
        var centis = ticks % 100;
        var seconds = ticks / 100;
        var days = seconds / 86400;
        var h = seconds / 3600 % 24;
        var m = seconds / 60 % 60;
        var s = seconds % 60;
        var time = string.Create(CultureInfo.InvariantCulture, $"{h}:{m:00}:{s:00}.{centis:00}");
        return days switch { 0 => time, 1 => "1 day, " + time, _ => string.Create(CultureInfo.InvariantCulture, $"{days} days, {time}") };
    }
}
