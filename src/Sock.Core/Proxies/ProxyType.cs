namespace Sock.Core.Proxies;

/// <summary>The protocol a proxy speaks, as ncat's <c>--proxy-type</c> names it.</summary>
public enum ProxyType
{
    /// <summary>HTTP CONNECT (RFC 9110 §9.3.6); ncat's default. Default port 3128.</summary>
    Http,

    /// <summary>SOCKS4: an IPv4 address and a user ID, no password. Default port 1080.</summary>
    Socks4,

    /// <summary>SOCKS4a: SOCKS4 that can pass a host name for the proxy to resolve. Default port 1080.</summary>
    Socks4a,

    /// <summary>SOCKS5 (RFC 1928): IPv4, IPv6 or a name; no authentication or username/password (RFC 1929). Default port 1080.</summary>
    Socks5,
}
