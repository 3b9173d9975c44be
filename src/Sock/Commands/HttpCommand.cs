using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Http;

namespace Sock.Cli.Commands;

/// <summary>sock http: one HTTP request as curl makes it, on sock's sockets (traced, with the socket's record under -v).</summary>
internal static class HttpCommand
{
    public static Command Create()
    {
        var words = new Argument<string[]>("METHOD URL")
        {
            Description = "An optional METHOD (GET, HEAD, POST, PUT, DELETE…), then the http:// or https:// URL (http:// when none is given)",
            Arity = new ArgumentArity(1, 2),
        };
        var request = new Option<string?>("--request", "-X") { Description = "The method (as curl -X); the same as the METHOD word", HelpName = "METHOD" };
        var header = new Option<string[]>("--header", "-H") { Description = "Add a request header 'Name: value'; 'Name:' removes one sock sends by default (User-Agent, Accept); repeatable", HelpName = "HEADER" };
        var data = new Option<string?>("--data", "-d") { Description = "Send DATA as the body (POST unless a method is given), byte for byte; @FILE sends the file's bytes, @- stdin", HelpName = "DATA" };
        var dataBinary = new Option<string?>("--data-binary") { Description = "The same as -d (which is already byte for byte here)", HelpName = "DATA" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the body to FILE instead of stdout", HelpName = "FILE" };
        var include = new Option<bool>("--include", "-i") { Description = "Write the response's status line and headers to stdout before the body" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the socket (handle, addresses, bytes each way), the TLS session and the request and response lines and headers on stderr, as curl -v" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Accept any server certificate (by default it must be trusted and name the host)" };
        var cacert = new Option<string?>("--cacert") { Description = "Trust the PEM certificates of FILE instead of the system's roots", HelpName = "FILE" };
        var http11 = new Option<bool>("--http1.1") { Description = "HTTP/1.1 only" };
        var http2 = new Option<bool>("--http2") { Description = "HTTP/2: offered by ALPN over TLS, spoken at once (prior knowledge) over http://" };
        var http2Prior = new Option<bool>("--http2-prior-knowledge") { Description = "The same as --http2 (over http:// sock always uses prior knowledge)" };
        var unix = new Option<string?>("--unix-socket") { Description = "Connect to the Unix socket PATH (an @name is abstract) instead of the URL's host and port", HelpName = "PATH" };
        var fail = new Option<bool>("--fail", "-f") { Description = "On a status of 400 or more write no body, say so on stderr and exit 22 (as curl)" };
        var connectTimeout = new Option<string?>("--connect-timeout") { Description = "Give up connecting (TCP and TLS) after TIME (default 10s)", HelpName = "TIME" };
        var maxTime = new Option<string?>("--max-time", "-m") { Description = "Give up on the whole exchange after TIME", HelpName = "TIME" };
        var ipv4 = new Option<bool>("-4") { Description = "Resolve the host to IPv4 only" };
        var ipv6 = new Option<bool>("-6") { Description = "Resolve the host to IPv6 only" };
        // curl's -x and -U spell ncat's --proxy and --proxy-auth, which every other sock client takes.
        var proxy = new ProxyCli();
        proxy.Proxy.Aliases.Add("-x");
        proxy.Auth.Aliases.Add("--proxy-user");
        proxy.Auth.Aliases.Add("-U");
        var proxyTunnel = new Option<bool>("--proxytunnel", "-p") { Description = "Through an HTTP proxy, tunnel with CONNECT even for http:// (which is otherwise asked of the proxy as GET http://HOST/PATH, as curl does)" };
        var json = new Option<bool>("--json") { Description = "Print the exchange as JSON (status, headers, the socket, timing) instead of the body; -o still saves the body" };
        var command = new Command("http", """
            Make an HTTP request as curl does, on sock's sockets: --trace shows each call, -v the socket's record.

            Sends one request with .NET's HTTP client (HTTP/1.1 and HTTP/2, TLS with ALPN) over a socket sock connects
            (happy eyeballs over a name's addresses, or a Unix socket), writes the body to stdout or -o FILE, and with -v
            shows on stderr what curl -v shows — the request's and response's lines and headers — with the socket's
            handle, addresses and bytes each way. Redirects are not followed and bodies are not decompressed, as curl's
            defaults. The server's certificate is checked unless --insecure. Exit status: 0 a response came (whatever its
            status), 22 with --fail when the status was 400 or more, 1 a network or TLS failure (refused, name not
            resolved, timed out, certificate not trusted, not HTTP), 2 a usage error.

            Examples:
              sock http http://127.0.0.1:8000/                   GET, body to stdout
              sock http -v https://example.org/ -o page.html     the exchange on stderr, the body to a file
              sock http POST http://127.0.0.1:8000/api -d @req.json -H 'Content-Type: application/json'
              sock http --unix-socket /run/docker.sock http://localhost/version
              sock http -x socks5://127.0.0.1:1080 http://10.0.0.5/   through a SOCKS5 proxy (-x http://HOST:3128 for HTTP)
              sock http --fail -i http://127.0.0.1:8000/missing  headers to stdout; exit 22 on 404
              sock --trace http --http2 https://127.0.0.1:8443/  each socket call, then HTTP/2 over TLS
            """)
        {
            words, request, header, data, dataBinary, output, include, verbose, insecure, cacert, http11, http2, http2Prior, unix, fail,
            connectTimeout, maxTime, ipv4, ipv6, proxyTunnel, json,
        };
        proxy.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = parse.GetValue(words) ?? [];
            string? method = parse.GetValue(request);
            var urlText = args[^1];
            if (args.Length == 2)
            {
                if (method is not null && method != args[0]) throw SockException.Usage("method", $"{args[0]} -X {method}", "give the method once");
                method = args[0];
            }
            var url = ParseUrl(urlText);
            if (parse.GetValue(http11) && (parse.GetValue(http2) || parse.GetValue(http2Prior)))
                throw SockException.Usage("http", "--http1.1 --http2", "choose one version");
            if (parse.GetValue(ipv4) && parse.GetValue(ipv6)) throw SockException.Usage("http", "-4 -6", "choose one of -4 and -6");
            if (parse.GetValue(data) is not null && parse.GetValue(dataBinary) is not null)
                throw SockException.Usage("http", "-d --data-binary", "give the body once");
            var unixPath = parse.GetValue(unix);
            if (unixPath is not null) _ = EndpointText.UnixEndPoint(unixPath, "--unix-socket");
            var through = proxy.Read(parse);
            if (through is not null && unixPath is not null)
                throw SockException.Usage("--proxy", through.ToString(), "proxies carry TCP connections, not a Unix socket (--unix-socket)");
            if (through is null && parse.GetValue(proxyTunnel)) throw SockException.Usage("http", "--proxytunnel", "needs --proxy (the proxy to tunnel through)");
            var options = new HttpFetchOptions
            {
                Url = url,
                Method = method,
                Headers = [.. (parse.GetValue(header) ?? []).Select(ParseHeader)],
                Body = (parse.GetValue(data) ?? parse.GetValue(dataBinary)) is { } d ? (ReadOnlyMemory<byte>?)Body(d) : null,
                Version = parse.GetValue(http11) ? HttpVersionChoice.Http11
                    : parse.GetValue(http2) || parse.GetValue(http2Prior) ? HttpVersionChoice.Http2 : HttpVersionChoice.Auto,
                Insecure = parse.GetValue(insecure),
                TrustFile = parse.GetValue(cacert),
                UnixSocketPath = unixPath,
                Proxy = through,
                ProxyTunnel = parse.GetValue(proxyTunnel),
                Family = parse.GetValue(ipv4) ? AddressFamily.InterNetwork : parse.GetValue(ipv6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified,
                ConnectTimeout = parse.GetValue(connectTimeout) is { } c ? Positive(Durations.Parse(c, "--connect-timeout"), c, "--connect-timeout") : TimeSpan.FromSeconds(10),
                MaxTime = parse.GetValue(maxTime) is { } m ? Positive(Durations.Parse(m, "--max-time"), m, "--max-time") : null,
                UserAgent = $"sock/{ProductVersion.Text.Split('+')[0]}",
                Trace = TraceWriter.FromOptions(parse),
            };
            // Asked in absolute form, the HTTP proxy resolves the name itself: there is no name for --proxy-dns to place.
            if (parse.GetValue(proxy.Dns) is { } dns && ForwardingProxy.For(options) is not null)
                throw SockException.Usage("--proxy-dns", dns, "an HTTP proxy asked for an http:// URL resolves the name itself (add --proxytunnel to tunnel with CONNECT)");
            if (options.TrustFile is { } trust && !File.Exists(trust))
                throw SockException.Usage("--cacert", trust, Directory.Exists(trust) ? "is a directory" : "no such file");
            var asJson = parse.GetValue(json);
            var outputPath = parse.GetValue(output);
            var stdout = Console.OpenStandardOutput();
            var body = outputPath is null or "-" ? (asJson ? Stream.Null : stdout) : OpenOutput(outputPath);
            await using (body.ConfigureAwait(false))
            {
                var observer = new HttpExchangeText(parse.GetValue(verbose) ? Console.Error : null, parse.GetValue(include) && !asJson ? stdout : null);
                var failOnError = parse.GetValue(fail);
                HttpFetchResult result;
                try
                {
                    result = await HttpFetch.SendAsync(options, body, observer, status => failOnError && status >= 400, ct);
                }
                catch (IOException ex) when (outputPath is not null)
                {
                    throw new SockException(SockErrorKind.Network, "write to", outputPath, FileErrorText.Describe(ex, outputPath, "failed"), inner: ex);
                }
                if (asJson)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(result, SockJson.Default.HttpFetchResult));
                    Console.Out.Flush();
                }
                if (failOnError && result.Status >= 400)
                {
                    Console.Error.WriteLine($"sock: {result.Method} {result.Url}: the server answered {result.Status}{(result.Reason.Length > 0 ? $" {result.Reason}" : "")}");
                    return ExitCodes.HttpError;
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>An absolute http(s) URL; as curl, a URL without a scheme is http://.</summary>
    internal static Uri ParseUrl(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var url) || url.Host.Length == 0)
            throw SockException.Usage("URL", text, "is not a URL (http://HOST[:PORT]/PATH)");
        if (url.Scheme is not ("http" or "https"))
            throw SockException.Usage("URL", text, $"{url.Scheme}:// is not supported (only http:// and https://)");
        return url;
    }

    internal static KeyValuePair<string, string> ParseHeader(string text)
    {
        var colon = text.IndexOf(':');
        var name = colon < 0 ? "" : text[..colon].Trim();
        if (colon <= 0 || name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c)))
            throw SockException.Usage("-H", text, "a header is 'Name: value'");
        var value = text[(colon + 1)..].Trim();
        if (value.Any(c => c is '\r' or '\n')) throw SockException.Usage("-H", text, "a header value cannot hold a line break");
        return new(name, value);
    }

    internal static ReadOnlyMemory<byte> Body(string data, string option = "-d")
    {
        if (!data.StartsWith('@')) return Encoding.UTF8.GetBytes(data);
        var path = data[1..];
        try
        {
            if (path == "-")
            {
                using var stdin = Console.OpenStandardInput();
                using var copy = new MemoryStream();
                stdin.CopyTo(copy);
                return copy.ToArray();
            }
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage(option, data, FileErrorText.Describe(ex, path, "cannot be read"));
        }
    }

    private static Stream OpenOutput(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("-o", path, FileErrorText.Describe(ex, path, "cannot be written"));
        }
    }

    private static TimeSpan Positive(TimeSpan t, string text, string what) =>
        t > TimeSpan.Zero ? t : throw SockException.Usage(what, text, "must be more than 0");
}
