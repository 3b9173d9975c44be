using System.Globalization;
using System.Net;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// One proxy: the protocol it speaks, where it listens and the credentials it takes. A chain is several
/// (<see cref="ProxyOptions.Chain"/>), each reached through the ones before it.
/// </summary>
public sealed class ProxySpec
{
    /// <summary>The port a proxy of <paramref name="type"/> listens on when none is given: 1080 for SOCKS, 3128 for HTTP (ncat's).</summary>
    public static int DefaultPort(ProxyType type) => type == ProxyType.Http ? 3128 : 1080;

    /// <summary>The protocol; default HTTP CONNECT, as ncat's.</summary>
    public ProxyType Type { get; init; } = ProxyType.Http;

    /// <summary>The proxy's host name or address (an IPv6 address without brackets).</summary>
    public required string Host { get; init; }

    /// <summary>The proxy's port.</summary>
    public required int Port { get; init; }

    /// <summary>
    /// The user name: SOCKS5 username/password (RFC 1929), HTTP Basic or Digest, or SOCKS4's user ID; null sends none.
    /// </summary>
    public string? UserName { get; init; }

    /// <summary>The password that goes with <see cref="UserName"/>; SOCKS4 has none.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Parses one proxy as <c>--proxy</c> takes it: <c>HOST</c>, <c>HOST:PORT</c>, <c>[V6]:PORT</c>, or a URL,
    /// <c>socks5://USER:PASS@HOST:PORT</c> (schemes socks4, socks4a, socks5, socks5h, http; user and password
    /// percent-encoded). <paramref name="type"/> is the protocol when the text has no scheme. A usage error otherwise.
    /// </summary>
    public static ProxySpec Parse(string text, ProxyType type = ProxyType.Http)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rest = text.Trim();
        string? user = null, password = null;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            type = ParseScheme(rest[..scheme], text);
            rest = rest[(scheme + 3)..].TrimEnd('/');
            var at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                var userInfo = rest[..at];
                rest = rest[(at + 1)..];
                var colon = userInfo.IndexOf(':');
                user = Unescape(colon < 0 ? userInfo : userInfo[..colon], text);
                password = colon < 0 ? null : Unescape(userInfo[(colon + 1)..], text);
            }
            if (rest.Contains('/'))
                throw SockException.Usage("--proxy", text, "a proxy URL has no path: scheme://[USER:PASS@]HOST[:PORT]");
        }
        if (rest.Length == 0)
            throw SockException.Usage("--proxy", text, "no proxy host given");
        var (host, portText) = EndpointText.Split(rest);
        host = EndpointText.Unbracket(host);
        if (host.Length == 0)
            throw SockException.Usage("--proxy", text, "no proxy host given");
        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '/' or '[' or ']'))
            throw SockException.Usage("--proxy", text, "not a host name or address");
        var port = portText is null ? DefaultPort(type) : Ports.Parse(portText, "proxy port");
        return new ProxySpec { Type = type, Host = host, Port = port, UserName = user, Password = password };
    }

    /// <summary>Parses a protocol as <c>--proxy-type</c> takes it: socks4 (or 4), socks4a, socks5 (or 5), http (or connect, as OpenBSD nc's -X).</summary>
    public static ProxyType ParseType(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant() switch
        {
            "http" or "connect" => ProxyType.Http,
            "socks4" or "4" => ProxyType.Socks4,
            "socks4a" => ProxyType.Socks4a,
            "socks5" or "5" => ProxyType.Socks5,
            _ => throw SockException.Usage("--proxy-type", text, "must be one of socks4, socks4a, socks5, http"),
        };
    }

    private static ProxyType ParseScheme(string scheme, string text) => scheme.ToLowerInvariant() switch
    {
        "http" => ProxyType.Http,
        "socks4" => ProxyType.Socks4,
        "socks4a" => ProxyType.Socks4a,
        // curl's socks5h means "the proxy resolves names", which is what ProxyDns.Remote (the default) does anyway.
        "socks5" or "socks5h" => ProxyType.Socks5,
        "https" => throw SockException.Usage("--proxy", text, "TLS to the proxy itself (https://) is not supported; use http://"),
        _ => throw SockException.Usage("--proxy", text, $"unknown proxy scheme '{scheme}' (socks4, socks4a, socks5, socks5h, http)"),
    };

    private static string Unescape(string part, string text)
    {
        try
        {
            return Uri.UnescapeDataString(part);
        }
        catch (UriFormatException)
        {
            throw SockException.Usage("--proxy", text, "malformed percent-encoding in the user or password");
        }
    }

    /// <summary>
    /// The proxy as a URL without its password (<c>socks5://alice@127.0.0.1:1080</c>): what errors, -v and traces
    /// show, so a password never reaches a log.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Scheme(Type)).Append("://");
        if (UserName is not null) sb.Append(Uri.EscapeDataString(UserName)).Append('@');
        sb.Append(Address);
        return sb.ToString();
    }

    /// <summary>The proxy's address as people write it: <c>127.0.0.1:1080</c>, <c>[::1]:1080</c>, <c>proxy.example:3128</c>.</summary>
    public string Address => Host.Contains(':')
        ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>The scheme of <paramref name="type"/> in a proxy URL.</summary>
    internal static string Scheme(ProxyType type) => type switch
    {
        ProxyType.Socks4 => "socks4",
        ProxyType.Socks4a => "socks4a",
        ProxyType.Socks5 => "socks5",
        _ => "http",
    };

    /// <summary>The protocol's name in messages: "SOCKS5", "SOCKS4a", "HTTP".</summary>
    internal static string ProtocolName(ProxyType type) => type switch
    {
        ProxyType.Socks4 => "SOCKS4",
        ProxyType.Socks4a => "SOCKS4a",
        ProxyType.Socks5 => "SOCKS5",
        _ => "HTTP",
    };

    internal bool HostIsAddress => IPAddress.TryParse(Host, out _) && EndpointText.LooksLikeAddress(Host);
}
