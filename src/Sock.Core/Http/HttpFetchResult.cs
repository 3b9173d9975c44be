namespace Sock.Core.Http;

/// <summary>What one HTTP exchange gave: the status, the headers, how much body, and the socket it ran on.</summary>
public sealed record HttpFetchResult
{
    /// <summary>The method sent.</summary>
    public required string Method { get; init; }

    /// <summary>The URL asked for.</summary>
    public required string Url { get; init; }

    /// <summary>The protocol of the response: HTTP/1.0, HTTP/1.1, HTTP/2.</summary>
    public required string Version { get; init; }

    /// <summary>The status code.</summary>
    public required int Status { get; init; }

    /// <summary>The reason phrase (empty over HTTP/2, which has none).</summary>
    public required string Reason { get; init; }

    /// <summary>The response headers, content headers after the others.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>Bytes of body written to the output.</summary>
    public required long BodyBytes { get; init; }

    /// <summary>The TLS session in words, when there was one.</summary>
    public IReadOnlyList<string>? Tls { get; init; }

    /// <summary>The socket the exchange ran on, as it was at the end (null if the connection was never made by this call).</summary>
    public HttpSocketInfo? Socket { get; init; }

    /// <summary>Seconds from the start to the last byte of the body.</summary>
    public double Seconds { get; init; }
}
