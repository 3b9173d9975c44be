namespace Sock.Core.Http;

/// <summary>Which HTTP version a request asks for, as curl's --http1.1 and --http2 choose it.</summary>
public enum HttpVersionChoice
{
    /// <summary>curl's default: HTTP/2 offered over TLS (ALPN h2, then http/1.1), HTTP/1.1 in clear text.</summary>
    Auto,

    /// <summary>HTTP/1.1 only (over TLS, ALPN offers http/1.1 alone).</summary>
    Http11,

    /// <summary>
    /// HTTP/2: over TLS offered by ALPN (HTTP/1.1 if the server will not), in clear text spoken at once ("prior knowledge",
    /// curl's --http2-prior-knowledge: .NET has no HTTP/1.1 Upgrade to h2c).
    /// </summary>
    Http2,
}
