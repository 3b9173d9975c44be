namespace Sock.Core.Proxies;

/// <summary>Where a destination's host name is resolved when connecting through a proxy (ncat's <c>--proxy-dns</c>).</summary>
public enum ProxyDns
{
    /// <summary>The name goes to the proxy, which resolves it (an address given as one is sent as an address). ncat's default.</summary>
    Remote,

    /// <summary>sock resolves the name and sends the proxy an address; a name that does not resolve is an error.</summary>
    Local,

    /// <summary>sock tries to resolve the name; one it cannot resolve goes to the proxy.</summary>
    Both,

    /// <summary>No resolution anywhere: the destination must be an IPv4 or IPv6 address.</summary>
    None,
}
