using Sock.Core.Http;

namespace Sock.Core.Benchmarking;

/// <summary>What <see cref="BenchMode.Http"/> asks of the server: the request, the HTTP version, how many in flight.</summary>
public sealed record HttpBenchTarget
{
    /// <summary>The http:// or https:// URL requested; its host and port (or <see cref="BenchOptions.Target"/>'s socket) are connected to.</summary>
    public required Uri Url { get; init; }

    /// <summary>The method; default GET (POST with a body).</summary>
    public string? Method { get; init; }

    /// <summary>Request headers added to Host, User-Agent and Accept (a header of the same name replaces those).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>A body sent with every request; null for none.</summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>HTTP/1.1 (default, sock's own request writer and response reader on keep-alive connections) or HTTP/2 (.NET's client).</summary>
    public HttpVersionChoice Version { get; init; } = HttpVersionChoice.Http11;

    /// <summary>Requests in flight per connection: HTTP/1.1 pipelining depth, or concurrent HTTP/2 streams. Default 1.</summary>
    public int Pipeline { get; init; } = 1;

    /// <summary>Use .NET's HttpClient for HTTP/1.1 too (one request in flight per connection), to compare with sock's own writer and reader.</summary>
    public bool DotNetClient { get; init; }

    /// <summary>Accept any server certificate over https.</summary>
    public bool Insecure { get; init; }

    /// <summary>A PEM file of the roots to trust over https instead of the system's.</summary>
    public string? TrustFile { get; init; }
}
