using System.Globalization;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Services;

namespace Sock.Core.Scanning;

/// <summary>
/// Parses the ports a scan asks for, as nmap's -p does: lists and ranges (<c>22,80,8000-8100</c>), <c>-</c> for all
/// 65,535, open-ended ranges (<c>-1024</c>, <c>60000-</c>) and service names (<c>http,ssh</c>) looked up in the
/// service registry. The result is sorted and without duplicates.
/// </summary>
internal static class PortSpec
{
    /// <summary>Every port, 1 to 65535.</summary>
    public const string All = "1-65535";

    /// <summary>
    /// The ports <paramref name="text"/> names, sorted and unique. Out-of-range numbers (70000), reversed ranges
    /// (90-80), unknown service names and an empty list are usage errors.
    /// </summary>
    public static IReadOnlyList<int> Parse(string text, string protocol = "tcp", ServiceRegistry? services = null)
    {
        var spec = text.Trim();
        if (spec.Length == 0)
            throw SockException.Usage("port list", "''", "empty (give ports such as 22,80,8000-8100, or - for all)");
        // A bitmap, not a set: "1-65535" repeated thousands of times costs a fill of 64 KiB each, not 65,535 inserts.
        var set = new bool[Ports.Max + 1];
        foreach (var raw in spec.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
                throw SockException.Usage("port list", text, "has an empty item (two commas, or a comma at an end)");
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            // A letter makes it a service name, dashes included (http-alt, sql-net).
            if (item.Any(char.IsAsciiLetter) || (dash < 0 && !IsNumber(item)))
            {
                set[Service(item, protocol, services ?? ServiceRegistry.Default)] = true;
                continue;
            }
            if (dash < 0)
            {
                set[Number(item, text)] = true;
                continue;
            }
            var lowText = item[..dash].Trim();
            var highText = item[(dash + 1)..].Trim();
            var low = lowText.Length == 0 ? 1 : Number(lowText, text);
            var high = highText.Length == 0 ? Ports.Max : Number(highText, text);
            if (low > high)
                throw SockException.Usage("port range", item, $"is reversed ({low} is above {high}; write {high}-{low})");
            set.AsSpan(low, high - low + 1).Fill(true);
        }
        var ports = new List<int>();
        for (var p = 0; p < set.Length; p++)
            if (set[p]) ports.Add(p);
        return ports;
    }

    /// <summary>Writes a sorted port list back in its shortest form: 1-3,7,9-10.</summary>
    public static string Format(IReadOnlyList<int> sortedPorts)
    {
        var parts = new List<string>();
        for (var i = 0; i < sortedPorts.Count;)
        {
            var j = i;
            while (j + 1 < sortedPorts.Count && sortedPorts[j + 1] == sortedPorts[j] + 1) j++;
            parts.Add(i == j
                ? sortedPorts[i].ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{sortedPorts[i]}-{sortedPorts[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    private static bool IsNumber(string s) => s.All(c => char.IsAsciiDigit(c) || c == '+');

    private static int Number(string s, string whole)
    {
        if (!s.All(char.IsAsciiDigit))
            throw SockException.Usage("port list", whole, $"'{s}' is not a port number (ranges are numbers: 8000-8100)");
        if (s.Length > 5 || int.Parse(s, CultureInfo.InvariantCulture) is < 1 or > Ports.Max)
            throw SockException.Usage("port", s, "out of range (a port is a number from 1 to 65535)");
        return int.Parse(s, CultureInfo.InvariantCulture);
    }

    private static int Service(string name, string protocol, ServiceRegistry services)
    {
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' or '/'))
            throw SockException.Usage("port list", name, "not a port number or a service name");
        return services.PortOf(name, protocol)
            ?? throw SockException.Usage("service", name, $"unknown {protocol} service name (see 'sock services {name}')");
    }
}
