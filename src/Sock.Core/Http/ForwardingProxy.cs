using System.Net;
using Sock.Core.Proxies;

namespace Sock.Core.Http;

/// <summary>
/// The one HTTP proxy a plain http:// request is forwarded through in absolute form (<c>GET http://host/path</c>), as
/// curl does without --proxytunnel: many HTTP proxies (tinyproxy, squid) allow CONNECT only to the TLS ports. Never
/// bypassed — .NET's own proxies skip loopback, and a proxy given on the command line is meant for every host.
/// </summary>
internal sealed class ForwardingProxy(Uri address, ICredentials? credentials) : IWebProxy
{
    public ICredentials? Credentials { get; set; } = credentials;

    public Uri GetProxy(Uri destination) => address;

    public bool IsBypassed(Uri host) => false;

    /// <summary>The proxy to forward <paramref name="options"/>' request through, or null when it goes straight or through a tunnel.</summary>
    public static ForwardingProxy? For(HttpFetchOptions options)
    {
        if (options.Proxy is not { Chain: [{ Type: ProxyType.Http } spec] } || options.Url.Scheme != "http" || options.ProxyTunnel)
            return null;
        var credentials = spec.UserName is { } user ? new NetworkCredential(user, spec.Password ?? "") : null;
        return new ForwardingProxy(new Uri($"http://{spec.Address}/"), credentials);
    }
}
