using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// Connecting through proxies: the chain (the first proxy is connected to directly, each next one through those
/// before it, and the last connects to the destination) and where destination names are resolved. Set it as
/// <c>SocketClientOptions.Proxy</c>; <see cref="Parse"/> reads what <c>--proxy</c>, <c>--proxy-type</c>,
/// <c>--proxy-auth</c> and <c>--proxy-dns</c> say.
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>The proxies in the order they are passed through; at least one.</summary>
    public required IReadOnlyList<ProxySpec> Chain { get; init; }

    /// <summary>Where a destination's name is resolved; default <see cref="ProxyDns.Remote"/>, ncat's.</summary>
    public ProxyDns Dns { get; init; } = ProxyDns.Remote;

    /// <summary>
    /// How long each proxy's handshake (its greeting, authentication and its own connect onward) may take; null: the
    /// client's connect timeout, or <see cref="DefaultHandshakeTimeout"/> without one.
    /// </summary>
    public TimeSpan? HandshakeTimeout { get; init; }

    /// <summary>The default handshake timeout, 10 s (ncat's connect timeout).</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads the proxy options as ncat takes them. <paramref name="proxy"/>: one proxy or several, comma-separated, a
    /// chain (each <c>HOST[:PORT]</c> or a URL, see <see cref="ProxySpec.Parse"/>); <paramref name="type"/>:
    /// <c>--proxy-type</c> for those without a scheme (default http, as ncat); <paramref name="auth"/>:
    /// <c>--proxy-auth USER:PASS</c> for those whose URL has no user (SOCKS4 and SOCKS4a take USER alone);
    /// <paramref name="dns"/>: <c>--proxy-dns local|remote|both|none</c> (default remote). Any malformed part is a usage error.
    /// </summary>
    public static ProxyOptions Parse(string proxy, string? type = null, string? auth = null, string? dns = null)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var defaultType = type is null ? ProxyType.Http : ProxySpec.ParseType(type);
        if (proxy.Trim().Length == 0)
            throw SockException.Usage("--proxy", proxy, "no proxy host given");
        var items = proxy.Split(',');
        if (items.Any(i => i.Trim().Length == 0))
            throw SockException.Usage("--proxy", proxy, "an empty proxy in the list (proxies are separated by one comma)");
        string? authUser = null, authPassword = null;
        if (auth is not null)
        {
            var colon = auth.IndexOf(':');
            authUser = colon < 0 ? auth : auth[..colon];
            authPassword = colon < 0 ? null : auth[(colon + 1)..];
        }
        var chain = new List<ProxySpec>(items.Length);
        foreach (var item in items)
        {
            var spec = ProxySpec.Parse(item, defaultType);
            if (spec.UserName is null && auth is not null)
                spec = new ProxySpec { Type = spec.Type, Host = spec.Host, Port = spec.Port, UserName = authUser, Password = authPassword };
            Validate(spec, auth is not null && spec.UserName == authUser ? "--proxy-auth" : "--proxy", auth ?? item);
            chain.Add(spec);
        }
        return new ProxyOptions { Chain = chain, Dns = dns is null ? ProxyDns.Remote : ParseDns(dns) };
    }

    /// <summary>Parses <c>--proxy-dns</c>: local, remote, both or none.</summary>
    public static ProxyDns ParseDns(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant() switch
        {
            "local" => ProxyDns.Local,
            "remote" => ProxyDns.Remote,
            "both" => ProxyDns.Both,
            "none" => ProxyDns.None,
            _ => throw SockException.Usage("--proxy-dns", text, "must be one of local, remote, both, none"),
        };
    }

    private static void Validate(ProxySpec spec, string what, string input)
    {
        if (spec.UserName is null) return;
        if (spec.Type is ProxyType.Socks4 or ProxyType.Socks4a)
        {
            // SOCKS4's user ID is a NUL-terminated string: it cannot hold a NUL, and it has no password.
            if (spec.UserName.Contains('\0')) throw SockException.Usage(what, input, "a SOCKS4 user ID cannot contain a NUL byte");
            return;
        }
        if (spec.Password is null)
            throw SockException.Usage(what, input, $"{ProxySpec.ProtocolName(spec.Type)} needs USER:PASS");
        if (spec.Type == ProxyType.Socks5)
        {
            // RFC 1929: ULEN and PLEN are one byte each, from 1 to 255.
            var u = Encoding.UTF8.GetByteCount(spec.UserName);
            var p = Encoding.UTF8.GetByteCount(spec.Password);
            if (u is < 1 or > 255) throw SockException.Usage(what, input, "a SOCKS5 user name must be 1 to 255 bytes (RFC 1929)");
            if (p is < 1 or > 255) throw SockException.Usage(what, input, "a SOCKS5 password must be 1 to 255 bytes (RFC 1929)");
        }
        else if (spec.UserName.Contains(':'))
        {
            // Basic joins user and password with a colon (RFC 7617): a colon in the user would move the split.
            throw SockException.Usage(what, input, "an HTTP proxy user name cannot contain ':' (RFC 7617)");
        }
    }

    /// <summary>The chain as URLs without passwords, comma-separated.</summary>
    public override string ToString() => string.Join(",", Chain);
}
