using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Http;
using Sock.Core.Sockets;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Benchmarking;

/// <summary>
/// HTTP load through .NET's <see cref="HttpClient"/> (SocketsHttpHandler), whose sockets sock connects and traces: one
/// handler per connection, so -c is the number of connections as in wrk; --pipeline N concurrent requests on each
/// (HTTP/2 streams; over HTTP/1.1 the handler does not pipeline, so N is capped at 1). HTTP/2 runs here; HTTP/1.1 runs
/// here with --dotnet-client, to compare with sock's own writer and reader.
/// </summary>
internal sealed class HttpClientWorkload : BenchWorkload
{
    private BenchOptions _options = null!;
    private HttpBenchTarget _http = null!;
    private readonly List<(SocketsHttpHandler Handler, HttpClient Client)> _clients = [];
    private HttpBenchTally[] _tallies = [];
    private Version _version = HttpVersion.Version11;
    private string _target = "";

    public override string Peer => "HTTP server";

    public override int InFlight => _http.Version == HttpVersionChoice.Http2 ? _http.Pipeline : 1;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _options = options;
        _http = options.Http!;
        _version = _http.Version == HttpVersionChoice.Http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        _target = _http.Url.AbsoluteUri;
        var trust = _http.TrustFile is { } file && !_http.Insecure ? TlsHandshake.TrustOnly(file, "--cacert") : null;
        var streams = options.Connections * InFlight;
        _tallies = [.. Enumerable.Range(0, streams).Select(_ => new HttpBenchTally())];
        for (var i = 0; i < options.Connections; i++)
        {
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                UseProxy = false,
                MaxConnectionsPerServer = 1,
                EnableMultipleHttp2Connections = false,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                ConnectTimeout = options.ConnectTimeout,
                SslOptions = new SslClientAuthenticationOptions
                {
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    CertificateChainPolicy = trust,
                    RemoteCertificateValidationCallback = _http.Insecure ? (_, _, _, _) => true : null,
                },
                ConnectCallback = async (context, ct) =>
                {
                    var socket = await BenchConnector.ConnectAsync(options.Target, trace, options.ConnectTimeout, ct).ConfigureAwait(false);
                    return new TracedSocketStream(socket, ownsSocket: true);
                },
            };
            _clients.Add((handler, new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }));
        }
        // One request on each connection before the clock starts: it opens the connection (and for HTTP/2 settles the
        // protocol), and a server that refuses fails the run at once with the usual one line.
        foreach (var (_, client) in _clients)
        {
            try
            {
                using var response = await client.SendAsync(Request(), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw TlsHandshake.Find<SockException>(ex)
                    ?? new SockException(SockErrorKind.Network, "HTTP exchange with", _target, Kind(ex) switch
                    {
                        "tls" => "the TLS handshake failed (--insecure or --cacert if the certificate is the problem)",
                        "version" => "the server does not speak the HTTP version asked for",
                        _ => "the first request failed",
                    }, inner: ex);
            }
        }
    }

    private HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(new HttpMethod(HttpRequestBytes.Method(_http)), _http.Url)
        {
            Version = _version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (_http.Body is { } body) request.Content = new ReadOnlyMemoryContent(body);
        var given = _http.Headers.Select(h => h.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("User-Agent")) request.Headers.TryAddWithoutValidation("User-Agent", "sock-bench");
        if (!given.Contains("Accept")) request.Headers.TryAddWithoutValidation("Accept", "*/*");
        foreach (var (name, value) in _http.Headers)
        {
            if (value.Length == 0) continue;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) request.Headers.Host = value;
            else if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    public override Task RunAsync(BenchRun run) =>
        Task.WhenAll(Enumerable.Range(0, _tallies.Length).Select(i => Task.Run(() => StreamAsync(run, i))));

    private async Task StreamAsync(BenchRun run, int index)
    {
        var client = _clients[index / InFlight].Client;
        var tally = _tallies[index];
        var buffer = new byte[16 * 1024];
        long seq = 0;
        while (run.Take(1, out var measured) == 1)
        {
            var intended = run.IntendedTicks(index, seq++);
            if (intended is { } due) await run.WaitUntilAsync(due).ConfigureAwait(false);
            if (run.Stopping.IsCancellationRequested) break;
            var sentAt = BenchRun.Now;
            var from = intended is { } i && i < sentAt ? i : sentAt;
            try
            {
                using var request = Request();
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, run.Stopping).ConfigureAwait(false);
                var stream = await response.Content.ReadAsStreamAsync(run.Stopping).ConfigureAwait(false);
                long bytes = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer, run.Stopping).ConfigureAwait(false)) > 0) bytes += n;
                if (!measured) continue;
                var latency = BenchRun.Now - from;
                lock (tally) tally.Response((int)response.StatusCode);
                run.Counters.AddMessages(1);
                run.Counters.AddReceived(bytes);
                run.RecordLatency(BenchRun.Nanos(latency));
            }
            catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
            {
                lock (tally) tally.Unfinished++;
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                if (run.Stopping.IsCancellationRequested)
                {
                    lock (tally) tally.Unfinished++;
                    break;
                }
                if (!measured) continue;
                lock (tally) tally.Error(Kind(ex));
                run.Error($"{_target}: {Kind(ex)} error");
            }
        }
    }

    private static string Kind(Exception ex) =>
        (TlsHandshake.Find<HttpRequestException>(ex)?.HttpRequestError ?? TlsHandshake.Find<HttpIOException>(ex)?.HttpRequestError) switch
        {
            HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError => "connect",
            HttpRequestError.SecureConnectionError => "tls",
            HttpRequestError.ResponseEnded => "closed",
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "malformed",
            HttpRequestError.VersionNegotiationError => "version",
            _ => "read",
        };

    public override Task FinishAsync(BenchRun run, CancellationToken cancellationToken)
    {
        Http = HttpBenchTally.Sum(_tallies, _version.Major >= 2 ? "HTTP/2" : "HTTP/1.1", "HttpClient");
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var (handler, client) in _clients)
        {
            client.Dispose();
            handler.Dispose();
        }
        _clients.Clear();
        return ValueTask.CompletedTask;
    }
}
