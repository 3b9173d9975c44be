using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Benchmarking;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Http;

/// <summary>
/// One HTTP request and its response, as curl makes it: .NET's <see cref="SocketsHttpHandler"/> speaks HTTP (1.1 and 2,
/// TLS with ALPN), and its sockets are sock's — connected through <see cref="Connections.SocketClient"/>'s connector (happy eyeballs,
/// Unix sockets, proxies) and traced call by call. No redirects followed, no decompression, no cookies: what the server
/// says is what comes back. Failures are <see cref="SockException"/>s saying what failed and why.
/// </summary>
public static class HttpFetch
{
    /// <summary>
    /// Sends the request <paramref name="options"/> describe and writes the response body to <paramref name="body"/>
    /// (unless <paramref name="skipBody"/> says not to, once the status is known: curl's --fail writes no error page).
    /// </summary>
    public static async Task<HttpFetchResult> SendAsync(HttpFetchOptions options, Stream body, IHttpFetchObserver? observer = null,
        Func<int, bool>? skipBody = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(body);
        var url = options.Url;
        if (url.Scheme is not ("http" or "https"))
            throw SockException.Usage("URL", url.OriginalString, "only http:// and https:// are supported");
        var target = options.UnixSocketPath ?? (url.HostNameType == UriHostNameType.IPv6 ? $"[{EndpointText.Unbracket(url.IdnHost)}]:{url.Port}" : $"{url.IdnHost}:{url.Port}");
        if (options.Proxy is { } proxy && options.UnixSocketPath is not null)
            throw SockException.Usage("--proxy", proxy.ToString(), "proxies carry TCP connections, not a Unix socket (--unix-socket)");
        var viaProxy = ForwardingProxy.For(options);
        var started = Stopwatch.GetTimestamp();
        var tlsCheck = new TlsCheck(options, url.IdnHost);
        TracedSocketStream? stream = null;
        HttpSocketInfo? opened = null, closedInfo = null;
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = viaProxy is not null,
            Proxy = viaProxy,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            SslOptions = tlsCheck.Options,
            ConnectCallback = async (context, ct) =>
            {
                // Forwarding through an HTTP proxy, the handler asks for the proxy's endpoint; otherwise the host's,
                // reached through the tunnel of options.Proxy when there is one.
                var socket = await ConnectAsync(options, context.DnsEndPoint, tunnel: viaProxy is null, ct).ConfigureAwait(false);
                // The socket's record: its addresses taken now (a closed socket has none), its counts when it closes.
                var made = new TracedSocketStream(socket, ownsSocket: true);
                var at = new HttpSocketInfo(socket.Handle, BenchConnector.TransportName(socket.Socket.RemoteEndPoint ?? socket.Socket.LocalEndPoint!, datagram: false),
                    EndpointText.Format(socket.Socket.LocalEndPoint), EndpointText.Format(socket.Socket.RemoteEndPoint), 0, 0, 0, 0);
                made.Closed = () => closedInfo = Counted(at, made);
                (stream, opened) = (made, at);
                observer?.Connected(at);
                return made;
            },
        };
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = Request(options);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.MaxTime is { } max) limit.CancelAfter(max);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            throw Failure(ex, options, target, tlsCheck, cancellationToken);
        }
        long written = 0;
        IReadOnlyList<string>? tls = null;
        var headers = ResponseHeaders(response);
        using (response)
        {
            var version = VersionText(response.Version);
            if (tlsCheck.Session is { } ssl)
            {
                tls = tlsCheck.Describe(ssl);
                observer?.Secured(tls);
            }
            // The version the request went out in is the one the connection speaks: HTTP/2 asked for over TLS falls back
            // to HTTP/1.1 when the server's ALPN says so (and an HTTP/1.0 server is still sent HTTP/1.1, as curl sends it).
            observer?.RequestSent($"{request.Method} {(viaProxy is null ? url.PathAndQuery : url.AbsoluteUri)} {(response.Version.Major >= 2 ? version : "HTTP/1.1")}", RequestHeaders(request, url));
            observer?.ResponseReceived(response.ReasonPhrase is { Length: > 0 } reason && response.Version.Major < 2
                ? $"{version} {(int)response.StatusCode} {reason}" : $"{version} {(int)response.StatusCode}", headers);
            if (skipBody?.Invoke((int)response.StatusCode) != true)
            {
                try
                {
                    var content = await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false);
                    await using (content.ConfigureAwait(false))
                    {
                        var buffer = new byte[64 * 1024];
                        int n;
                        while ((n = await content.ReadAsync(buffer, limit.Token).ConfigureAwait(false)) > 0)
                        {
                            await body.WriteAsync(buffer.AsMemory(0, n), limit.Token).ConfigureAwait(false);
                            written += n;
                        }
                        await body.FlushAsync(limit.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && body is not FileStream { CanWrite: false })
                {
                    if (ex is IOException && TlsHandshake.Find<SockException>(ex) is null && ex is not HttpIOException && ex.InnerException is null && ex.Source != "System.Net.Http")
                        throw; // the output failed, not the network: the caller words that
                    throw Failure(ex, options, target, tlsCheck, cancellationToken, readingBody: true);
                }
            }
            var result = new HttpFetchResult
            {
                Method = request.Method.Method,
                Url = url.AbsoluteUri,
                Version = version,
                Status = (int)response.StatusCode,
                Reason = response.Version.Major < 2 ? response.ReasonPhrase ?? "" : "",
                Headers = headers,
                BodyBytes = written,
                Tls = tls,
                Seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 6),
            };
            client.Dispose();
            handler.Dispose();
            var info = closedInfo ?? (stream is not null && opened is not null ? Counted(opened, stream) : null);
            if (info is not null) observer?.Closed(info);
            return result with { Socket = info };
        }
    }

    private static HttpSocketInfo Counted(HttpSocketInfo at, TracedSocketStream stream)
    {
        var (sent, received, sends, receives) = stream.Counts;
        return at with { BytesSent = sent, BytesReceived = received, Sends = sends, Receives = receives };
    }

    private static async Task<Sock.Core.Sockets.TracedSocket> ConnectAsync(HttpFetchOptions options, DnsEndPoint endpoint, bool tunnel, CancellationToken ct)
    {
        var netcat = new NetcatOptions
        {
            Host = options.UnixSocketPath is null ? endpoint.Host : null,
            Port = endpoint.Port,
            UnixPath = options.UnixSocketPath,
            // -4/-6 hold for every name resolved here, the proxy's included, as curl's do.
            Family = options.Family,
            ConnectTimeout = options.ConnectTimeout,
            Proxy = tunnel ? options.Proxy : null,
        };
        return await Connector.ConnectAsync(netcat, options.Trace, SilentNetcatObserver.Instance, ct).ConfigureAwait(false);
    }

    private static HttpRequestMessage Request(HttpFetchOptions options)
    {
        var method = options.Method ?? (options.Body is null ? "GET" : "POST");
        HttpMethod httpMethod;
        try
        {
            httpMethod = new HttpMethod(method);
        }
        catch (FormatException)
        {
            throw SockException.Usage("method", method, "is not an HTTP method (a token such as GET, POST, PUT)");
        }
        var request = new HttpRequestMessage(httpMethod, options.Url)
        {
            Version = options.Version == HttpVersionChoice.Http11 || (options.Version == HttpVersionChoice.Auto && options.Url.Scheme == "http")
                ? HttpVersion.Version11 : HttpVersion.Version20,
            // Over TLS, ALPN settles the version (h2 falls back to http/1.1 as curl's does); in clear text HTTP/2 is
            // spoken at once or not at all.
            VersionPolicy = options.Version == HttpVersionChoice.Http11 || options.Url.Scheme == "http"
                ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        if (options.Body is { } data) request.Content = new ReadOnlyMemoryContent(data);
        // curl's defaults, which -H replaces or (with an empty value) removes.
        var defaults = new List<KeyValuePair<string, string>> { new("User-Agent", options.UserAgent), new("Accept", "*/*") };
        if (options.Body is not null) defaults.Add(new("Content-Type", "application/x-www-form-urlencoded"));
        var given = options.Headers.Select(h => h.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in defaults.Where(d => !given.Contains(d.Key)).Concat(options.Headers))
        {
            if (value.Length == 0) continue;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
                continue;
            }
            bool added;
            try
            {
                added = request.Headers.TryAddWithoutValidation(name, value)
                    || (request.Content is not null && request.Content.Headers.TryAddWithoutValidation(name, value));
            }
            catch (FormatException)
            {
                added = false;
            }
            if (!added)
                throw SockException.Usage("header", $"{name}: {value}", request.Content is null && IsContentHeader(name)
                    ? "a content header needs a body (-d)" : "is not a valid header");
        }
        return request;
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    /// <summary>The request's headers as they went out: Host first (as curl shows it), then the others, then the content's.</summary>
    private static List<KeyValuePair<string, string>> RequestHeaders(HttpRequestMessage request, Uri url)
    {
        var list = new List<KeyValuePair<string, string>> { new("Host", request.Headers.Host ?? url.Authority) };
        Add(list, request.Headers, skipHost: true);
        if (request.Content is { } content)
        {
            Add(list, content.Headers, skipHost: false);
            if (content.Headers.ContentLength is { } length && !content.Headers.NonValidated.Contains("Content-Length"))
                list.Add(new("Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return list;
    }

    private static List<KeyValuePair<string, string>> ResponseHeaders(HttpResponseMessage response)
    {
        var list = new List<KeyValuePair<string, string>>();
        Add(list, response.Headers, skipHost: false);
        Add(list, response.Content.Headers, skipHost: false);
        return list;
    }

    private static void Add(List<KeyValuePair<string, string>> list, HttpHeaders headers, bool skipHost)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (skipHost && name.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) list.Add(new(name, value));
        }
    }

    private static string VersionText(Version v) => v.Major >= 2 ? $"HTTP/{v.Major}" : $"HTTP/{v.Major}.{v.Minor}";

    /// <summary>A failure of the exchange in sock's words; the connector's own errors pass through as they are.</summary>
    private static SockException Failure(Exception ex, HttpFetchOptions options, string target, TlsCheck tls, CancellationToken user, bool readingBody = false)
    {
        if (TlsHandshake.Find<SockException>(ex) is { } sock) return sock;
        if (ex is OperationCanceledException)
        {
            if (user.IsCancellationRequested) throw ex;
            return options.MaxTime is { } max ? SockException.TimedOut($"{(readingBody ? "receive from" : "HTTP exchange with")}", target, max)
                : SockException.TimedOut("connect to", target, options.ConnectTimeout);
        }
        var error = TlsHandshake.Find<HttpRequestException>(ex)?.HttpRequestError ?? (ex as HttpIOException)?.HttpRequestError
            ?? TlsHandshake.Find<HttpIOException>(ex)?.HttpRequestError ?? HttpRequestError.Unknown;
        var reason = error switch
        {
            HttpRequestError.SecureConnectionError => tls.Why ?? TlsHandshake.HandshakeFailure(TlsHandshake.Find<AuthenticationException>(ex) ?? ex),
            HttpRequestError.ResponseEnded => readingBody ? "the connection closed before the whole body came" : "the server closed the connection before it answered",
            HttpRequestError.InvalidResponse => "the answer is not a valid HTTP response",
            HttpRequestError.HttpProtocolError => "the server broke the HTTP protocol (an HTTP/2 stream or connection error)",
            HttpRequestError.VersionNegotiationError => "the server does not speak the HTTP version asked for (--http1.1 or --http2)",
            HttpRequestError.ConfigurationLimitExceeded => "the response's headers are larger than the 64 KiB allowed",
            HttpRequestError.ConnectionError => "the connection failed",
            _ => readingBody ? "the connection failed while the body was coming" : "the exchange failed",
        };
        var operation = error == HttpRequestError.SecureConnectionError ? "TLS handshake with" : readingBody ? "receive from" : "HTTP exchange with";
        return new SockException(SockErrorKind.Network, operation, target, reason, inner: ex);
    }

    /// <summary>
    /// The server certificate check the handler runs: the system's roots (or only those of the trust file), the URL's host
    /// name, nothing at all with --insecure; it keeps why a certificate was refused and the session, for -v.
    /// </summary>
    private sealed class TlsCheck
    {
        private readonly HttpFetchOptions _options;
        private readonly X509ChainPolicy? _trustOnly;

        public TlsCheck(HttpFetchOptions options, string host)
        {
            _options = options;
            _trustOnly = options.TrustFile is { } file && !options.Insecure ? TlsHandshake.TrustOnly(file, "--cacert") : null;
            Options = new SslClientAuthenticationOptions
            {
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    Session = sender as SslStream;
                    if (_options.Insecure) return true;
                    Why = Untrusted(certificate, chain, errors, host);
                    return Why is null;
                },
            };
        }

        public SslClientAuthenticationOptions Options { get; }

        public SslStream? Session { get; private set; }

        public string? Why { get; private set; }

        public IReadOnlyList<string> Describe(SslStream ssl)
        {
            var lines = TlsClient.Describe(ssl, verified: !_options.Insecure).ToList();
            if (lines.Count > 0 && _options.Insecure)
                lines[0] = lines[0].Replace("(--ssl-verify checks it)", "(--insecure)", StringComparison.Ordinal);
            return lines;
        }

        private string? Untrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
        {
            if (_trustOnly is not null && certificate is not null && (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                // Only the trust file's roots count: build the chain again against them alone.
                using var own = new X509Chain { ChainPolicy = _trustOnly.Clone() };
                if (chain is not null)
                    foreach (var element in chain.ChainElements.Skip(1)) own.ChainPolicy.ExtraStore.Add(element.Certificate);
                using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                if (own.Build(leaf)) errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
                else chain = own;
            }
            if (errors == SslPolicyErrors.None) return null;
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the server sent no certificate";
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                return $"the certificate is not trusted ({TlsHandshake.ChainProblem(chain)}; --cacert names the roots to trust, --insecure skips the check)";
            return $"the certificate ({certificate?.Subject ?? "?"}) is not for {host} (--insecure skips the check)";
        }
    }
}
