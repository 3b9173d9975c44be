using System.Globalization;

namespace Sock.Core.Snmp;

/// <summary>
/// snmpEngineID (RFC 3411 §5, SnmpEngineID): 5 to 32 bytes. sock's own are in the RFC's first format: the enterprise
/// number with its high bit set, a format byte, then the data — here enterprise 8072 (net-snmp's, as sysObjectID is;
/// sock has no number of its own), format 5 (octets, "administratively assigned") and 12 random bytes, drawn once per run.
/// </summary>
internal static class SnmpEngineId
{
    public const int MinLength = 5;
    public const int MaxLength = 32;

    /// <summary>A new engine ID: 80 00 1f 88 05 and 12 random bytes.</summary>
    public static byte[] Generate()
    {
        var id = new byte[17];
        id[0] = 0x80; id[1] = 0x00; id[2] = 0x1f; id[3] = 0x88; id[4] = 0x05;
        System.Security.Cryptography.RandomNumberGenerator.Fill(id.AsSpan(5));
        return id;
    }

    /// <summary>Reads HEX as net-snmp's -e takes it (with or without 0x, 5 to 32 bytes).</summary>
    public static bool TryParse(string text, out byte[] id, out string why)
    {
        id = [];
        why = "";
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length == 0 || hex.Length % 2 != 0 || !hex.All(Uri.IsHexDigit))
        {
            why = "an engine ID is written in hex digits, two per byte (e.g. 0x80001f8805…)";
            return false;
        }
        var bytes = Convert.FromHexString(hex);
        if (bytes.Length is < MinLength or > MaxLength)
        {
            why = string.Create(CultureInfo.InvariantCulture, $"an engine ID is {MinLength} to {MaxLength} bytes (RFC 3411), not {bytes.Length}");
            return false;
        }
        id = bytes;
        return true;
    }

    /// <summary>0x and lower-case hex, as net-snmp writes engine IDs in its files.</summary>
    public static string Format(ReadOnlySpan<byte> id) => "0x" + Convert.ToHexStringLower(id);
}
