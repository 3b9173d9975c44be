using System.Globalization;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// One rule of <see cref="DestinationRules"/>: allow or deny the destinations that match a pattern. A pattern is a host
/// part and an optional port part: an address (<c>10.1.2.3</c>, <c>::1</c>), a CIDR range (<c>10.0.0.0/8</c>,
/// <c>fd00::/8</c>), a host name (<c>example.org</c>, matched without regard to case), every name under a domain
/// (<c>*.example.org</c> or <c>.example.org</c>), or <c>*</c> for any host; then <c>:PORT</c> or <c>:LOW-HIGH</c>
/// (IPv6 in brackets when a port follows: <c>[::1]:22</c>, <c>[fd00::/8]:443</c>). <c>:22</c> alone is any host on port 22.
/// Address and range patterns match the addresses a destination resolves to, so a name cannot slip past a range rule;
/// name patterns match the name the client asked for.
/// </summary>
public sealed record DestinationRule
{
    private DestinationRule(bool allow, string text)
    {
        Allow = allow;
        Text = text;
    }

    /// <summary>True for an allow rule, false for deny.</summary>
    public bool Allow { get; }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    private IPNetwork? Network { get; init; }

    private string? Name { get; init; }

    private bool Suffix { get; init; }

    private int LowPort { get; init; } = 1;

    private int HighPort { get; init; } = 65535;

    /// <summary>Parses <paramref name="text"/> as an allow (<paramref name="allow"/>) or deny rule; a bad pattern is a usage error.</summary>
    public static DestinationRule Parse(bool allow, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var what = allow ? "--allow-dest" : "--deny-dest";
        var t = text.Trim();
        if (t.Length == 0) throw SockException.Usage(what, text, "empty pattern");
        string host;
        string? port = null;
        if (t.StartsWith('['))
        {
            var close = t.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw SockException.Usage(what, text, "missing ']'");
            host = t[1..close];
            var rest = t[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':' || rest.Length == 1) throw SockException.Usage(what, text, "expected ':PORT' after ']'");
                port = rest[1..];
            }
        }
        else if (t.Count(c => c == ':') == 1)
        {
            var i = t.IndexOf(':', StringComparison.Ordinal);
            host = t[..i];
            port = t[(i + 1)..];
        }
        else host = t;
        var (low, high) = port is null ? (1, 65535) : ParsePorts(port, what, text);
        var rule = new DestinationRule(allow, text) { LowPort = low, HighPort = high };
        if (host is "" or "*") return rule;
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(host[..slash], out var baseAddress)
                || !int.TryParse(host[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
                || bits > (baseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
                throw SockException.Usage(what, text, "not a CIDR range (write 10.0.0.0/8 or fd00::/8)");
            return rule with { Network = Normalize(baseAddress, bits) };
        }
        if (IPAddress.TryParse(host, out var address) && EndpointText.LooksLikeAddress(host))
            return rule with { Network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) };
        var suffix = host.StartsWith("*.", StringComparison.Ordinal) ? host[1..] : host.StartsWith('.') ? host : null;
        var name = suffix ?? host;
        if (name.Trim('.').Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')))
            throw SockException.Usage(what, text, "not an address, CIDR range or host name");
        return rule with { Name = name.ToLowerInvariant(), Suffix = suffix is not null };
    }

    /// <summary>
    /// Whether this rule speaks of <paramref name="name"/> (as the client asked, null for an address) resolved to
    /// <paramref name="address"/> (null before resolving) on <paramref name="port"/>. Null: it cannot tell yet (an address
    /// rule asked before resolving).
    /// </summary>
    internal bool? Matches(string? name, IPAddress? address, int port)
    {
        if (port < LowPort || port > HighPort) return false;
        if (Network is { } network)
        {
            if (address is null) return null;
            var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            return a.AddressFamily == network.BaseAddress.AddressFamily && network.Contains(a);
        }
        if (Name is { } n)
        {
            if (name is null) return false;
            var asked = name.TrimEnd('.').ToLowerInvariant();
            return Suffix ? asked.EndsWith(n, StringComparison.Ordinal) || asked == n[1..] : asked == n;
        }
        return true;
    }

    private static (int, int) ParsePorts(string port, string what, string text)
    {
        var dash = port.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var p = Ports.Parse(port, what);
            return (p, p);
        }
        var low = Ports.Parse(port[..dash], what);
        var high = Ports.Parse(port[(dash + 1)..], what);
        if (low > high) throw SockException.Usage(what, text, "port range runs backwards");
        return (low, high);
    }

    private static IPNetwork Normalize(IPAddress ip, int bits)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPNetwork(new IPAddress(bytes), bits);
    }
}
