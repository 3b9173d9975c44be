using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// sock http against real servers — Python's http.server (tcp4, tcp6, a Unix socket, TLS) and nginx (HTTP/2 over TLS and
/// in clear text) — each request made by curl as well, and the two answers compared: the same status, the headers that
/// matter (Content-Type, Content-Length, Last-Modified), the body byte for byte.
/// </summary>
public sealed class HttpCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>A directory to serve: a 1 MiB file of random bytes, a small text file.</summary>
    private static TempDirectory Site(out byte[] blob)
    {
        var dir = new TempDirectory("sock-http-site-");
        blob = new byte[1024 * 1024];
        Random.Shared.NextBytes(blob);
        File.WriteAllBytes(dir.File("blob.bin"), blob);
        File.WriteAllText(dir.File("note.txt"), "hello from the test\n");
        return dir;
    }

    private static async Task<(int Exit, int Status, Dictionary<string, string> Headers, byte[] Body, SockRun Run)> SockGet(
        PythonHttpServer server, string path, TempDirectory dir, params string[] extra)
    {
        var body = dir.File($"sock-{Guid.NewGuid():N}");
        var run = await SockRunner.RunAsync(["http", "-i", "-o", body, .. server.ClientArgs, .. extra, server.Url(path)], timeout: Limit);
        if (run.ExitCode != 0) return (run.ExitCode, 0, [], [], run);
        var (status, headers) = PythonHttpServer.ParseHead(run.Stdout);
        return (run.ExitCode, status, headers, await File.ReadAllBytesAsync(body), run);
    }

    private static async Task<(int Exit, int Status, Dictionary<string, string> Headers, byte[] Body)> CurlGet(
        PythonHttpServer server, string path, TempDirectory dir, params string[] extra)
    {
        var body = dir.File($"curl-{Guid.NewGuid():N}");
        var head = dir.File($"curl-head-{Guid.NewGuid():N}");
        var run = await ProcessRunner.RunAsync(["curl", "-s", "-D", head, "-o", body, .. server.ClientArgs, .. extra, server.Url(path)], timeout: Limit);
        if (run.ExitCode != 0) return (run.ExitCode, 0, [], []);
        var (status, headers) = PythonHttpServer.ParseHead(await File.ReadAllTextAsync(head));
        return (run.ExitCode, status, headers, File.Exists(body) ? await File.ReadAllBytesAsync(body) : []);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task sock_http_gets_what_curl_gets_status_headers_and_body_byte_for_byte(string transport)
    {
        using var site = Site(out var blob);
        using var work = new TempDirectory("sock-http-out-");
        await using var server = await PythonHttpServer.StartAsync(transport, site.Path);
        foreach (var path in new[] { "/blob.bin", "/note.txt", "/missing.txt", "/" })
        {
            var sock = await SockGet(server, path, work);
            var curl = await CurlGet(server, path, work);
            Assert.True(sock.Exit == 0, $"{path}: {sock.Run}");
            Assert.Equal(0, curl.Exit);
            Assert.Equal(curl.Status, sock.Status);
            foreach (var name in new[] { "content-type", "content-length", "last-modified" })
                Assert.Equal(curl.Headers.GetValueOrDefault(name), sock.Headers.GetValueOrDefault(name));
            Assert.Equal(curl.Body, sock.Body);
        }
        var whole = await SockGet(server, "/blob.bin", work);
        Assert.Equal(200, whole.Status);
        Assert.Equal(blob, whole.Body);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task data_from_a_file_is_posted_byte_for_byte_as_curls_data_binary(string transport)
    {
        using var site = Site(out _);
        using var work = new TempDirectory("sock-http-out-");
        await using var server = await PythonHttpServer.StartAsync(transport, site.Path);
        // Every byte value, CR LF and NUL among them: curl's -d would strip the line breaks, --data-binary keeps them.
        var payload = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).Concat("\r\nend\n"u8.ToArray()).ToArray();
        var file = work.File("payload.bin");
        await File.WriteAllBytesAsync(file, payload);
        string[] args = ["-d", $"@{file}", "-H", "Content-Type: application/octet-stream"];
        var sock = await SockGet(server, "/echo", work, args);
        Assert.True(sock.Exit == 0, sock.Run.ToString());
        Assert.Equal("POST", sock.Headers["x-method"]);
        Assert.Equal("application/octet-stream", sock.Headers["content-type"]);
        Assert.Equal(payload, sock.Body);
        var curl = await CurlGet(server, "/echo", work, ["--data-binary", $"@{file}", "-H", "Content-Type: application/octet-stream"]);
        Assert.Equal(curl.Body, sock.Body);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task verbose_shows_the_socket_the_request_and_the_response_as_curl_v_does(string transport)
    {
        using var site = Site(out _);
        await using var server = await PythonHttpServer.StartAsync(transport, site.Path);
        var run = await SockRunner.RunAsync(["http", "-v", .. server.ClientArgs, server.Url("/note.txt")], timeout: Limit);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from the test\n", run.Stdout);
        var lines = run.StderrLines;
        var remote = transport switch { Transports.Tcp6 => $"[::1]:{server.Where}", Transports.Unix => server.Where, _ => $"127.0.0.1:{server.Where}" };
        var connected = lines.Single(l => l.StartsWith("* Connected to ", StringComparison.Ordinal));
        var m = Regex.Match(connected, @"^\* Connected to (.+) from (.*): socket (\d+) \((tcp4|tcp6|unix)\)$");
        Assert.True(m.Success, connected);
        Assert.Equal(remote, m.Groups[1].Value);
        Assert.Equal(transport, m.Groups[4].Value);
        var handle = m.Groups[3].Value;
        // Request line, Host as curl sends it (the URL's authority), then the response as it came.
        var requestAt = lines.ToList().IndexOf("> GET /note.txt HTTP/1.1");
        Assert.True(requestAt > 0, run.Stderr);
        Assert.Contains(transport == Transports.Unix ? "> Host: localhost" : $"> Host: {remote}", lines);
        Assert.Contains("> Accept: */*", lines);
        var responseAt = lines.ToList().IndexOf("< HTTP/1.1 200 OK");
        Assert.True(responseAt > requestAt, run.Stderr);
        Assert.Contains("< Content-Length: 20", lines);
        var closed = Regex.Match(lines[^1], @"^\* Closed socket (\d+): (\d+) bytes sent in \d+ sends?, (\d+) bytes received in \d+ recvs?$");
        Assert.True(closed.Success, run.Stderr);
        Assert.Equal(handle, closed.Groups[1].Value);
        Assert.True(long.Parse(closed.Groups[3].Value) > 20, run.Stderr); // the body and the head came through this socket
    }

    [Fact]
    public async Task trace_shows_the_socket_calls_of_the_exchange_on_the_same_handle()
    {
        using var site = Site(out _);
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path);
        var run = await SockRunner.RunAsync(["--trace", "http", server.Url("/note.txt")], timeout: Limit);
        Assert.True(run.ExitCode == 0, run.ToString());
        var calls = run.StderrLines.Select(l => Regex.Replace(l, @"^\+[\d.]+ms ", "")).ToList();
        var socket = Regex.Match(calls.First(c => c.StartsWith("socket(", StringComparison.Ordinal)), @"^socket\(AF_INET, SOCK_STREAM, IPPROTO_TCP\) = (\d+)$");
        Assert.True(socket.Success, run.Stderr);
        var fd = socket.Groups[1].Value;
        Assert.Contains($"connect({fd}, 127.0.0.1:{server.Where}) = 0", calls);
        Assert.Contains(calls, c => Regex.IsMatch(c, $@"^send\({fd}, \d+\) = \d+$"));
        Assert.Contains(calls, c => Regex.IsMatch(c, $@"^recv\({fd}\) = \d+ bytes$"));
        Assert.Equal($"close({fd})", calls[^1]);
    }

    [Fact]
    public async Task fail_exits_22_and_writes_no_body_as_curl_and_without_it_the_error_page_is_written()
    {
        using var site = Site(out _);
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path);
        var url = server.Url("/status/404");
        var failing = await SockRunner.RunAsync(["http", "--fail", url], timeout: Limit);
        Assert.Equal(22, failing.ExitCode);
        Assert.Equal("", failing.Stdout);
        Assert.Equal([$"sock: GET {url}: the server answered 404 Not Found"], failing.StderrLines);
        var curl = await ProcessRunner.RunAsync(["curl", "-s", "--fail", url], timeout: Limit);
        Assert.Equal(22, curl.ExitCode);
        Assert.Equal(curl.Stdout, failing.Stdout);

        var plain = await SockRunner.RunAsync(["http", url], timeout: Limit);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal("status 404\n", plain.Stdout);
        var ok = await SockRunner.RunAsync(["http", "--fail", server.Url("/status/299")], timeout: Limit);
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Fact]
    public async Task tls_verification_refuses_a_self_signed_certificate_and_insecure_or_cacert_accept_it()
    {
        using var site = Site(out _);
        using var work = new TempDirectory("sock-http-tls-");
        var (cert, key) = await PythonHttpServer.MakeCertificateAsync(work, "IP:127.0.0.1,DNS:localhost");
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path, cert, key);
        var url = server.Url("/note.txt", "https");

        var refused = await SockRunner.RunAsync(["http", url], timeout: Limit);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        var line = Assert.Single(refused.StderrLines);
        Assert.StartsWith($"sock: TLS handshake with 127.0.0.1:{server.Where} failed: the certificate is not trusted (", line);
        // curl refuses it too (60: peer certificate cannot be authenticated).
        var curl = await ProcessRunner.RunAsync(["curl", "-s", url], timeout: Limit);
        Assert.Equal(60, curl.ExitCode);

        var insecure = await SockRunner.RunAsync(["http", "-v", "--insecure", url], timeout: Limit);
        Assert.True(insecure.ExitCode == 0, insecure.ToString());
        Assert.Equal("hello from the test\n", insecure.Stdout);
        Assert.Contains(insecure.StderrLines, l => l.StartsWith("* TLS session: TLS 1.", StringComparison.Ordinal) && l.EndsWith("certificate not verified (--insecure)", StringComparison.Ordinal));

        var trusted = await SockRunner.RunAsync(["http", "-v", "--cacert", cert, url], timeout: Limit);
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Equal("hello from the test\n", trusted.Stdout);
        Assert.Contains(trusted.StderrLines, l => l.StartsWith("* TLS session: TLS 1.", StringComparison.Ordinal) && l.EndsWith(", certificate verified", StringComparison.Ordinal));
        Assert.Contains(trusted.StderrLines, l => l.StartsWith("* Certificate: CN=sock-http-test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_trusted_certificate_for_another_name_is_refused()
    {
        using var site = Site(out _);
        using var work = new TempDirectory("sock-http-tls-");
        var (cert, key) = await PythonHttpServer.MakeCertificateAsync(work, "DNS:localhost");
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path, cert, key);
        var run = await SockRunner.RunAsync(["http", "--cacert", cert, server.Url("/note.txt", "https")], timeout: Limit);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"sock: TLS handshake with 127.0.0.1:{server.Where} failed: the certificate (CN=sock-http-test) is not for 127.0.0.1 (--insecure skips the check)"],
            run.StderrLines);
        // The same certificate by the name it carries is accepted.
        var named = await SockRunner.RunAsync(["http", "--cacert", cert, $"https://localhost:{server.Where}/note.txt", "-4"], timeout: Limit);
        Assert.True(named.ExitCode == 0, named.ToString());
        Assert.Equal("hello from the test\n", named.Stdout);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task http2_against_nginx_over_tls_by_alpn_and_in_clear_text_by_prior_knowledge_matches_curl(bool tls)
    {
        using var site = Site(out var blob);
        using var work = new TempDirectory("sock-http-h2-");
        var (cert, key) = tls ? await PythonHttpServer.MakeCertificateAsync(work, "IP:127.0.0.1") : (null, null);
        await using var nginx = await NginxServer.StartAsync(site.Path, http2: true, cert, key);
        var url = $"{(tls ? "https" : "http")}://127.0.0.1:{nginx.Port}/blob.bin";
        var body = work.File("sock.bin");
        string[] trust = tls ? ["--cacert", cert!] : [];
        var run = await SockRunner.RunAsync(["http", "-v", "--http2", "-o", body, .. trust, url], timeout: Limit);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("> GET /blob.bin HTTP/2", run.StderrLines);
        Assert.Contains("< HTTP/2 200", run.StderrLines);
        if (tls) Assert.Contains(run.StderrLines, l => l.StartsWith("* TLS session: ", StringComparison.Ordinal) && l.Contains("ALPN h2", StringComparison.Ordinal));
        Assert.Equal(blob, await File.ReadAllBytesAsync(body));
        var curlBody = work.File("curl.bin");
        var curl = await ProcessRunner.RunAsync(["curl", "-s", "-o", curlBody, "-w", "%{http_version} %{http_code}", tls ? "--http2" : "--http2-prior-knowledge", .. tls ? ["--cacert", cert!] : Array.Empty<string>(), url], timeout: Limit);
        Assert.Equal("2 200", curl.Stdout);
        Assert.Equal(await File.ReadAllBytesAsync(curlBody), await File.ReadAllBytesAsync(body));
    }

    [Fact]
    public async Task a_refused_connection_is_one_line_and_exit_1()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var run = await SockRunner.RunAsync(["http", $"http://127.0.0.1:{port}/"], timeout: Limit);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"sock: connect to 127.0.0.1:{port} failed: connection refused (nothing is listening there)"], run.StderrLines);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/", "sock: URL ftp://127.0.0.1/: ftp:// is not supported (only http:// and https://)")]
    [InlineData("http://[::1/", "sock: URL http://[::1/: is not a URL (http://HOST[:PORT]/PATH)")]
    [InlineData("-H|no colon|http://127.0.0.1/", "sock: -H no colon: a header is 'Name: value'")]
    [InlineData("-m|0|http://127.0.0.1/", "sock: --max-time 0: must be more than 0")]
    [InlineData("--http1.1|--http2|http://127.0.0.1/", "sock: http --http1.1 --http2: choose one version")]
    [InlineData("-d|@/nonexistent/body|http://127.0.0.1/", "sock: -d @/nonexistent/body: no such directory")]
    [InlineData("GET|-X|POST|http://127.0.0.1/", "sock: method GET -X POST: give the method once")]
    [InlineData("G(T|http://127.0.0.1/", "sock: method G(T: is not an HTTP method (a token such as GET, POST, PUT)")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string expected)
    {
        var run = await SockRunner.RunAsync(["http", .. args.Split('|')], timeout: Limit);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal([expected], run.StderrLines);
    }
}
