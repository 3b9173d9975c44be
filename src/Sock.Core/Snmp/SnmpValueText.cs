using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sock.Core.Snmp;

/// <summary>
/// A value written as net-snmp's snmpset and snmptrap take it: a type letter and the text (snmpset(1)): i INTEGER,
/// u Unsigned32 (Gauge32), c Counter32, C Counter64, t TimeTicks, a IpAddress, o OBJECT IDENTIFIER (numbers or a
/// name sock knows), s STRING, x hex STRING ("4e 20" or "4e20"), d decimal STRING ("1.2.3" or "1 2 3"), n NULL.
/// b (BITS), U/I/F/D (Opaque's 64-bit and floating types) and = (the MIB's type) need MIB files sock does not read.
/// </summary>
internal static class SnmpValueText
{
    public const string Letters = "i u c C t a o s x d n";

    public static bool TryParse(string type, string text, out SnmpValue value, out string why)
    {
        value = SnmpValue.Null;
        why = "";
        var inv = CultureInfo.InvariantCulture;
        switch (type)
        {
            case "i":
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var i)) { why = "an INTEGER (i) is a number from -2147483648 to 2147483647"; return false; }
                value = SnmpValue.Integer(i);
                return true;
            case "u" or "c" or "t":
                if (!uint.TryParse(text, NumberStyles.None, inv, out var u)) { why = $"{(type == "u" ? "an Unsigned32 (u)" : type == "c" ? "a Counter32 (c)" : "TimeTicks (t)")} is a number from 0 to 4294967295"; return false; }
                value = type == "u" ? SnmpValue.Gauge32(u) : type == "c" ? SnmpValue.Counter32(u) : SnmpValue.TimeTicks(u);
                return true;
            case "C":
                if (!ulong.TryParse(text, NumberStyles.None, inv, out var c64)) { why = "a Counter64 (C) is a number from 0 to 18446744073709551615"; return false; }
                value = SnmpValue.Counter64(c64);
                return true;
            case "a":
                if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text.Count(ch => ch == '.') != 3)
                { why = "an IpAddress (a) is an IPv4 address such as 192.0.2.1"; return false; }
                value = SnmpValue.IpAddress(ip);
                return true;
            case "o":
                if (!MibNames.TryParse(text, out var oid, out why)) return false;
                value = SnmpValue.ObjectIdentifier(oid);
                return true;
            case "s":
                value = SnmpValue.OctetString(text);
                return true;
            case "x":
                var hex = string.Concat(text.Where(ch => !char.IsWhiteSpace(ch)));
                if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit)) { why = "a hex STRING (x) is pairs of hex digits, such as \"4e 20\""; return false; }
                value = SnmpValue.OctetString(Convert.FromHexString(hex));
                return true;
            case "d":
                var parts = text.Split(['.', ' '], StringSplitOptions.RemoveEmptyEntries);
                var bytes = new byte[parts.Length];
                for (var k = 0; k < parts.Length; k++)
                    if (!byte.TryParse(parts[k], NumberStyles.None, inv, out bytes[k])) { why = "a decimal STRING (d) is numbers from 0 to 255, such as 1.2.3"; return false; }
                value = SnmpValue.OctetString(bytes);
                return true;
            case "n":
                value = SnmpValue.Null;
                return true;
            case "b" or "U" or "I" or "F" or "D" or "=":
                why = $"type {type} needs MIB knowledge sock does not have; the types are {Letters}";
                return false;
            default:
                why = $"unknown type; the types are {Letters} (as snmpset's)";
                return false;
        }
    }
}
