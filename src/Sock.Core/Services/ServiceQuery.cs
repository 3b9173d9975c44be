using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Services;

/// <summary>
/// What a user asks the services database: a port (80), a name (ssh), a range (8000-8100), each optionally with
/// a protocol (53/udp), or nothing (everything).
/// </summary>
public sealed record ServiceQuery(int FirstPort, int LastPort, string? Name, string? Protocol)
{
    /// <summary>The protocols a services database knows.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["tcp", "udp", "sctp", "dccp"];

    /// <summary>Every entry.</summary>
    public static ServiceQuery All { get; } = new(0, Ports.Max, null, null);

    /// <summary>Parses a query; malformed input (70000, -1, abc/xyz, 80/sctpx, 90-80) is a usage error.</summary>
    public static ServiceQuery Parse(string text)
    {
        var s = text.Trim();
        string? proto = null;
        var slash = s.IndexOf('/');
        if (slash >= 0)
        {
            proto = s[(slash + 1)..].ToLowerInvariant();
            s = s[..slash];
            if (!Protocols.Contains(proto))
                throw SockException.Usage("service", text, $"unknown protocol '{proto}' (use tcp, udp, sctp or dccp)");
        }
        if (s.Length == 0)
            throw SockException.Usage("service", text, "empty (give a port, a range such as 8000-8100, or a name such as ssh)");
        if (s[0] == '-' || char.IsAsciiDigit(s[0]))
        {
            var dash = s.IndexOf('-', 1);
            if (dash > 0)
            {
                var lo = Ports.Parse(s[..dash], "port range", allowZero: true);
                var hi = Ports.Parse(s[(dash + 1)..], "port range", allowZero: true);
                if (hi < lo)
                    throw SockException.Usage("port range", text, $"{lo} is above {hi} (write the low end first)");
                return new ServiceQuery(lo, hi, null, proto);
            }
            var port = Ports.Parse(s, "port", allowZero: true);
            return new ServiceQuery(port, port, null, proto);
        }
        if (!s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+'))
            throw SockException.Usage("service", text, "a service name has only letters, digits, '-', '_', '.' and '+'");
        return new ServiceQuery(0, Ports.Max, s, proto);
    }
}
