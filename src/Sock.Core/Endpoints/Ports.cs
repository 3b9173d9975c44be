using System.Globalization;
using Sock.Core.Errors;

namespace Sock.Core.Endpoints;

/// <summary>Port numbers: parsing user input strictly, and classing a port into its IANA range.</summary>
internal static class Ports
{
    /// <summary>The highest port number (16 bits).</summary>
    public const int Max = 65535;

    /// <summary>
    /// Parses a port number. "80x", "-1", "65536" and, unless <paramref name="allowZero"/>, "0" are usage errors
    /// naming <paramref name="what"/>.
    /// </summary>
    public static int Parse(string text, string what = "port", bool allowZero = false)
    {
        var s = text.Trim();
        if (s.Length == 0)
            throw SockException.Usage(what, "''", "empty (a port is a number from 1 to 65535)");
        if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
        {
            var digits = s.TrimStart('-', '+');
            throw SockException.Usage(what, text, digits.Length > 0 && digits.All(char.IsAsciiDigit)
                ? "out of range (a port is a number from 1 to 65535)"
                : "not a number (a port is a number from 1 to 65535)");
        }
        if (port < 0 || port > Max)
            throw SockException.Usage(what, text, "out of range (a port is a number from 1 to 65535)");
        if (port == 0 && !allowZero)
            throw SockException.Usage(what, text, "port 0 is reserved (use 1 to 65535)");
        return port;
    }

    /// <summary>Tries to parse a port without throwing; zero is allowed.</summary>
    public static bool TryParse(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= Max;

    /// <summary>Which IANA range a port lies in.</summary>
    public static PortClass Classify(int port) => port switch
    {
        <= 1023 => PortClass.WellKnown,
        <= 49151 => PortClass.Registered,
        _ => PortClass.Dynamic,
    };

    /// <summary>"well-known (0–1023)" and so on.</summary>
    public static string Describe(PortClass c) => c switch
    {
        PortClass.WellKnown => "well-known (0–1023)",
        PortClass.Registered => "registered (1024–49151)",
        _ => "dynamic/private (49152–65535)",
    };
}
