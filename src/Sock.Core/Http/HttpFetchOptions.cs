using System.Net.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Http;

/// <summary>One HTTP request as <see cref="HttpFetch"/> sends it: what curl's command line says. Only <see cref="Url"/> is required.</summary>
public sealed class HttpFetchOptions
{
    /// <summary>http:// or https:// URL.</summary>
    public required Uri Url { get; init; }

    /// <summary>The method; default GET, or POST when there is a <see cref="Body"/> (as curl -d).</summary>
    public string? Method { get; init; }

    /// <summary>
    /// Request headers in order (curl's -H). A header with an empty value removes one sock would send by default
    /// (User-Agent, Accept), as curl's <c>-H 'Accept:'</c> does.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The request body, sent byte for byte (curl's --data-binary); null for none.</summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>The HTTP version asked for; default <see cref="HttpVersionChoice.Auto"/>.</summary>
    public HttpVersionChoice Version { get; init; }

    /// <summary>Accept any server certificate (curl's --insecure). Default false: the certificate must be trusted and name the host.</summary>
    public bool Insecure { get; init; }

    /// <summary>A PEM file of the certificates to trust instead of the system's roots (curl's --cacert); null: the system's.</summary>
    public string? TrustFile { get; init; }

    /// <summary>Connect to this Unix socket instead of the URL's host and port (curl's --unix-socket); the URL still names the host.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>
    /// The proxy (or chain) to go through (curl's -x); null: straight to the host. A plain http:// URL through one HTTP
    /// proxy is asked of the proxy in absolute form (<c>GET http://host/path</c>), as curl does; https://, SOCKS proxies,
    /// chains and <see cref="ProxyTunnel"/> open a tunnel (SOCKS CONNECT or HTTP CONNECT) and speak to the host through it.
    /// </summary>
    public Proxies.ProxyOptions? Proxy { get; init; }

    /// <summary>Tunnel with HTTP CONNECT even for an http:// URL (curl's --proxytunnel).</summary>
    public bool ProxyTunnel { get; init; }

    /// <summary>The address family the host resolves to; default either.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    /// <summary>How long connecting (and the TLS handshake) may take; default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the whole exchange may take (curl's --max-time); null: no limit.</summary>
    public TimeSpan? MaxTime { get; init; }

    /// <summary>The User-Agent sent unless a header replaces or removes it.</summary>
    public string UserAgent { get; init; } = "sock";

    /// <summary>Where the socket calls are traced as BSD calls; null traces nothing.</summary>
    public SocketTrace? Trace { get; init; }
}
