namespace Sock.Core.Proxies;

/// <summary>Why a proxy could not carry a request, in the terms every protocol's error reply can say.</summary>
internal enum ProxyRefusalKind
{
    /// <summary>Anything else: SOCKS5 reply 1, HTTP 502.</summary>
    General,

    /// <summary>The destination rules, or the loop guard: SOCKS5 reply 2, HTTP 403.</summary>
    NotAllowed,

    /// <summary>No route to the network: SOCKS5 reply 3, HTTP 502.</summary>
    NetworkUnreachable,

    /// <summary>The host cannot be reached, or its name does not resolve: SOCKS5 reply 4, HTTP 502.</summary>
    HostUnreachable,

    /// <summary>Refused (RST): SOCKS5 reply 5, HTTP 502.</summary>
    ConnectionRefused,

    /// <summary>Timed out: SOCKS5 reply 6 ("TTL expired", the nearest it has), HTTP 504.</summary>
    TimedOut,
}

/// <summary>A request the proxy will not or cannot carry: the kind, for the protocol's reply, and the reason, for the log.</summary>
internal sealed class ProxyRefusal(ProxyRefusalKind kind, string reason) : Exception(reason)
{
    public ProxyRefusalKind Kind { get; } = kind;
}
