using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Sock.AspNetCore;

/// <summary>What <see cref="StaticFileHost"/> serves, where, and whom it tells.</summary>
public sealed class StaticFileHostOptions
{
    /// <summary>The directory served. Nothing outside it is served: not through <c>..</c>, an absolute path, or a symbolic link that leads out.</summary>
    public required string Root { get; init; }

    /// <summary>The endpoints to listen on: IP endpoints (port 0 takes any free port; the IPv6 wildcard takes IPv4 too) and Unix socket endpoints.</summary>
    public IList<EndPoint> EndPoints { get; } = new List<EndPoint>();

    /// <summary>HTML listings of directories without an index.html (on by default, as <c>python3 -m http.server</c>).</summary>
    public bool ListDirectories { get; set; } = true;

    /// <summary>Serve over TLS with this certificate (HTTP/1.1 and HTTP/2, chosen by ALPN); null for plain HTTP/1.1.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Called once for each request when its response has been sent: the access log. It must not block, and it must not throw.</summary>
    public Action<HttpAccessRecord>? OnRequest { get; set; }

    /// <summary>The transport's options: the engine's threads, limits and, through <see cref="SockTransportOptions.Trace"/>, the BSD-call trace.</summary>
    public SockTransportOptions Transport { get; } = new();
}
