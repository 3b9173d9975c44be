using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// `sock serve http DIR` as a user runs it, against what they compare it with: Python's http.server serving the same
/// directory answers the same requests with the same status, content type, length and bytes; curl is the client.
/// </summary>
public sealed partial class ServeHttpTests
{
    /// <summary>A directory of the kinds of file a site has, and a 1 MiB file of random bytes for ranges.</summary>
    private static TempDirectory MakeSite()
    {
        var site = new TempDirectory("sock-serve-http-");
        File.WriteAllText(site.File("a.txt"), "hello, files\n");
        File.WriteAllText(site.File("page.html"), "<!doctype html><title>t</title><p>page</p>\n");
        File.WriteAllText(site.File("data.json"), "{\"answer\": 42}\n");
        File.WriteAllText(site.File("with space.txt"), "spaced\n");
        File.WriteAllBytes(site.File("big.bin"), RandomNumberGenerator.GetBytes(1 << 20));
        Directory.CreateDirectory(site.File("sub"));
        File.WriteAllText(site.File("sub/index.html"), "<p>the index</p>\n");
        return site;
    }

    /// <summary>sock serve http on <paramref name="transport"/>: loopback port 0, or a socket path; waits for its serving line.</summary>
    private static async Task<(ServeProcess Serve, string Where)> StartAsync(string transport, string directory, params string[] more)
    {
        string[] where = transport switch
        {
            Transports.Tcp4 => ["--bind", "127.0.0.1", "--port", "0"],
            Transports.Tcp6 => ["--bind", "::1", "--port", "0"],
            _ => ["--unix", ((UnixDomainSocketEndPoint)Transports.BindEndPoint(Transports.Unix)).ToString()],
        };
        var serve = await ServeProcess.StartAsync(SockRunner.Command(["serve", "http", directory, .. where, .. more]), 1);
        var listener = serve.Listeners()[("http", transport == Transports.Unix ? "unix" : "tcp")];
        return (serve, transport == Transports.Unix ? listener : listener.Split(':')[^1]);
    }

    private static string Url(string transport, string where, string path, string scheme = "http") => transport switch
    {
        Transports.Tcp6 => $"{scheme}://[::1]:{where}{path}",
        Transports.Unix => $"{scheme}://localhost{path}",
        _ => $"{scheme}://127.0.0.1:{where}{path}",
    };

    private static string[] ClientArgs(string transport, string where) => transport == Transports.Unix ? ["--unix-socket", where] : [];

    /// <summary>One curl request: status, headers (lower-case names), body bytes.</summary>
    private sealed record Answer(int Status, Dictionary<string, string> Headers, byte[] Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    private static async Task<Answer> CurlAsync(TempDirectory scratch, string[] client, string url, params string[] more)
    {
        var body = scratch.File($"body-{Guid.NewGuid():N}");
        var headers = scratch.File($"headers-{Guid.NewGuid():N}");
        var run = await ProcessRunner.RunAsync(["curl", "-s", "--path-as-is", "-D", headers, "-o", body, .. client, .. more, url], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"curl {url}: {run}");
        var lines = File.ReadAllLines(headers);
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var map = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) map[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return new Answer(status, map, File.Exists(body) ? File.ReadAllBytes(body) : []);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task answers_as_pythons_http_server_does_for_files_indexes_ranges_and_misses(string transport)
    {
        using var site = MakeSite();
        using var scratch = new TempDirectory("sock-serve-http-curl-");
        var (serve, where) = await StartAsync(transport, site.Path);
        await using var _ = serve;
        await using var python = await PythonHttpServer.StartAsync(transport, site.Path);
        var sock = ClientArgs(transport, where);

        foreach (var path in new[] { "/a.txt", "/page.html", "/data.json", "/big.bin", "/with%20space.txt", "/sub/", "/missing.txt" })
        {
            var ours = await CurlAsync(scratch, sock, Url(transport, where, path));
            var theirs = await CurlAsync(scratch, python.ClientArgs, python.Url(path));
            Assert.True(theirs.Status == ours.Status, $"{path}: python {theirs.Status}, sock {ours.Status}");
            if (ours.Status != 200) continue;
            Assert.Equal(theirs.Header("content-type"), ours.Header("content-type"));
            Assert.Equal(theirs.Header("content-length"), ours.Header("content-length"));
            Assert.True(theirs.Body.AsSpan().SequenceEqual(ours.Body), $"{path}: the bodies differ");
        }

        // A directory named without its slash is sent to the name with it, by both.
        var redirect = await CurlAsync(scratch, sock, Url(transport, where, "/sub"));
        var pythonRedirect = await CurlAsync(scratch, python.ClientArgs, python.Url("/sub"));
        Assert.Equal(pythonRedirect.Status, redirect.Status);
        Assert.EndsWith("/sub/", redirect.Header("location"));

        // Ranges: python's http.server has none (200 and the whole file); sock answers 206 with exactly those bytes.
        var whole = File.ReadAllBytes(site.File("big.bin"));
        var range = await CurlAsync(scratch, sock, Url(transport, where, "/big.bin"), "-r", "1000-1999");
        Assert.Equal(206, range.Status);
        Assert.Equal("bytes 1000-1999/1048576", range.Header("content-range"));
        Assert.True(whole.AsSpan(1000, 1000).SequenceEqual(range.Body), "the range's bytes differ from the file's");
        var suffix = await CurlAsync(scratch, sock, Url(transport, where, "/big.bin"), "-r", "-10");
        Assert.True(whole.AsSpan(whole.Length - 10).SequenceEqual(suffix.Body), "the suffix range's bytes differ");

        // ETag and Last-Modified make a revalidation a 304 with no body.
        var first = await CurlAsync(scratch, sock, Url(transport, where, "/a.txt"));
        Assert.NotNull(first.Header("etag"));
        var again = await CurlAsync(scratch, sock, Url(transport, where, "/a.txt"), "-H", $"If-None-Match: {first.Header("etag")}");
        Assert.Equal(304, again.Status);
        Assert.Empty(again.Body);

        // HEAD: the length of the GET (curl -I reads no body).
        var head = await CurlAsync(scratch, sock, Url(transport, where, "/big.bin"), "-I");
        Assert.Equal(200, head.Status);
        Assert.Equal("1048576", head.Header("content-length"));

        // Nothing to POST to: 405 and what is allowed.
        var post = await CurlAsync(scratch, sock, Url(transport, where, "/a.txt"), "-d", "x=1");
        Assert.Equal(405, post.Status);
        Assert.Equal("GET, HEAD", post.Header("allow"));
    }

    [Fact]
    public async Task a_listing_names_the_files_and_links_to_them()
    {
        using var site = MakeSite();
        using var scratch = new TempDirectory("sock-serve-http-curl-");
        Directory.CreateDirectory(site.File("plain"));
        File.WriteAllText(site.File("plain/one.txt"), "1\n");
        File.WriteAllText(site.File("plain/two.txt"), "2\n");
        var (serve, port) = await StartAsync(Transports.Tcp4, site.Path);
        await using var _ = serve;
        var listing = await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/plain/"));
        Assert.Equal(200, listing.Status);
        Assert.StartsWith("text/html", listing.Header("content-type"));
        var html = System.Text.Encoding.UTF8.GetString(listing.Body);
        Assert.Contains("href=\"./one.txt\"", html);
        Assert.Contains("href=\"./two.txt\"", html);
    }

    /// <summary>
    /// Path handling does not depend on the transport, so this runs over TCP/IPv4 alone. Python's http.server serving the
    /// same directory is the control: it follows the links out, which shows the links here really do lead out.
    /// </summary>
    [Fact]
    public async Task nothing_outside_the_directory_is_served()
    {
        using var outside = new TempDirectory("sock-serve-http-outside-");
        File.WriteAllText(outside.File("secret.txt"), "not yours\n");
        using var site = MakeSite();
        using var scratch = new TempDirectory("sock-serve-http-curl-");
        File.CreateSymbolicLink(site.File("out.txt"), outside.File("secret.txt"));
        Directory.CreateSymbolicLink(site.File("outdir"), outside.Path);
        File.CreateSymbolicLink(site.File("in.txt"), "a.txt");
        Directory.CreateSymbolicLink(site.File("indir"), "sub");
        // A link to a link out, and a link that climbs out by "..": both resolved to the end.
        File.CreateSymbolicLink(site.File("sub/chain.txt"), "../out.txt");
        File.CreateSymbolicLink(site.File("sub/climb.txt"), Path.GetRelativePath(site.File("sub"), outside.File("secret.txt")));
        var (serve, port) = await StartAsync(Transports.Tcp4, site.Path, "-v");
        await using var _ = serve;
        await using var python = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path);

        var control = await CurlAsync(scratch, [], python.Url("/out.txt"));
        Assert.Equal("not yours\n", System.Text.Encoding.UTF8.GetString(control.Body));

        foreach (var path in new[]
        {
            "/out.txt", "/outdir/secret.txt", "/sub/chain.txt", "/sub/climb.txt",
            "/../" + Path.GetFileName(outside.Path) + "/secret.txt", "/%2e%2e/" + Path.GetFileName(outside.Path) + "/secret.txt",
            "/sub/..%2f..%2f" + Path.GetFileName(outside.Path) + "%2fsecret.txt", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "//etc/passwd",
            "/" + outside.File("secret.txt"), "/../../../../../../etc/passwd",
        })
        {
            var answer = await CurlAsync(scratch, [], Url(Transports.Tcp4, port, path));
            Assert.True(answer.Status is 400 or 404, $"{path}: status {answer.Status}");
            Assert.DoesNotContain("not yours", System.Text.Encoding.UTF8.GetString(answer.Body));
            Assert.DoesNotContain("root:", System.Text.Encoding.UTF8.GetString(answer.Body));
        }
        var outdirListing = await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/outdir/"));
        Assert.Equal(404, outdirListing.Status);

        // Links that stay inside work, and the listing shows them but not the ones that lead out.
        // Served as what they lead to: the whole target (a link's own length is that of its target's name).
        Assert.Equal("hello, files\n", System.Text.Encoding.UTF8.GetString((await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/in.txt"))).Body));
        Assert.Equal("<p>the index</p>\n", System.Text.Encoding.UTF8.GetString((await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/indir/index.html"))).Body));
        var listing = System.Text.Encoding.UTF8.GetString((await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/"))).Body);
        Assert.Contains("in.txt", listing);
        Assert.DoesNotContain("out.txt", listing);
        Assert.DoesNotContain("outdir", listing);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_thousand_parallel_downloads_arrive_intact(string transport)
    {
        using var site = new TempDirectory("sock-serve-http-");
        var content = RandomNumberGenerator.GetBytes(64 * 1024);
        File.WriteAllBytes(site.File("f.bin"), content);
        var expected = Convert.ToHexString(SHA256.HashData(content));
        var (serve, where) = await StartAsync(transport, site.Path);
        await using var _ = serve;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (transport == Transports.Unix)
        {
            // A thousand connects at once overflow a Unix listener's accept queue, and Linux then fails a non-blocking
            // connect with EAGAIN at once (TCP would retry the SYN): this client waits and tries again, as a blocking
            // connect would wait, and as sock's own connector does. What is tested is that the server serves them all.
            handler.ConnectCallback = async (_, ct) =>
            {
                for (var attempt = 0; ; attempt++)
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await s.ConnectAsync(new UnixDomainSocketEndPoint(where), ct);
                        return new NetworkStream(s, ownsSocket: true);
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain or SocketError.AddressNotAvailable && attempt < 500)
                    {
                        s.Dispose();
                        await Task.Delay(10, ct);
                    }
                }
            };
        }
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(3) };
        var url = Url(transport, where, "/f.bin");
        var downloads = Enumerable.Range(0, 1000).Select(async _ =>
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Convert.ToHexString(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
        });
        var hashes = await Task.WhenAll(downloads);
        Assert.All(hashes, h => Assert.Equal(expected, h));
    }

    [Fact]
    public async Task the_access_log_is_the_common_log_format_and_json_has_request_events()
    {
        using var site = MakeSite();
        using var scratch = new TempDirectory("sock-serve-http-curl-");
        var (text, port) = await StartAsync(Transports.Tcp4, site.Path, "-v");
        await using (text)
        {
            await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/a.txt"));
            await CurlAsync(scratch, [], Url(Transports.Tcp4, port, "/missing"));
            var hit = await text.WaitForStderrAsync(l => l.Contains("\"GET /a.txt HTTP/1.1\""));
            Assert.Matches(CommonLogLine(), hit);
            Assert.Contains("\" 200 13 ", hit);
            Assert.Contains("\" 404 ", await text.WaitForStderrAsync(l => l.Contains("\"GET /missing HTTP/1.1\"")));
        }

        var (json, jsonPort) = await StartAsync(Transports.Tcp4, site.Path, "--json");
        await using (json)
        {
            await CurlAsync(scratch, [], Url(Transports.Tcp4, jsonPort, "/big.bin"), "-r", "0-99");
            var line = await json.WaitForStdoutAsync(l => l.Contains("\"event\":\"request\""));
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            Assert.Equal("GET", e.GetProperty("method").GetString());
            Assert.Equal("/big.bin", e.GetProperty("target").GetString());
            Assert.Equal(206, e.GetProperty("status").GetInt32());
            Assert.Equal(100, e.GetProperty("bytesOut").GetInt64());
            Assert.Equal("127.0.0.1", e.GetProperty("remote").GetString()!.Split(':')[0]);
        }
    }

    [Fact]
    public async Task over_tls_curl_gets_http2_by_alpn_and_the_same_bytes()
    {
        using var site = MakeSite();
        using var scratch = new TempDirectory("sock-serve-http-curl-");
        var (serve, port) = await StartAsync(Transports.Tcp4, site.Path, "--ssl", "-v");
        await using var _ = serve;
        Assert.Contains(serve.StderrLines, l => l.StartsWith("TLS certificate: ", StringComparison.Ordinal));
        var run = await ProcessRunner.RunAsync(["curl", "-sk", "--http2", "-o", scratch.File("big"), "-w", "%{http_version} %{http_code}",
            Url(Transports.Tcp4, port, "/big.bin", "https")], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal("2 200", run.Stdout);
        Assert.True(File.ReadAllBytes(site.File("big.bin")).AsSpan().SequenceEqual(File.ReadAllBytes(scratch.File("big"))));
        // Plain HTTP to the TLS port is not answered as HTTP.
        var plain = await ProcessRunner.RunAsync(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", Url(Transports.Tcp4, port, "/a.txt")], timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual("200", plain.Stdout);
    }

    [Theory]
    [InlineData("serve http /nonexistent-sock-dir", "no such directory")]
    [InlineData("serve http /etc/passwd", "not a directory")]
    [InlineData("serve http . --base 10000", "does not apply to http")]
    [InlineData("serve http . --udp", "does not apply to http")]
    [InlineData("serve echo http", "http runs alone")]
    [InlineData("serve http . extra", "one directory")]
    [InlineData("serve http . --unix /tmp/x.sock --port 80", "contradictory")]
    [InlineData("serve http . --ssl --ssl-verify", "client certificates")]
    [InlineData("serve http . --ssl-trustfile /etc/hostname", "client certificates")]
    [InlineData("serve http . --port 70000", "port")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string says)
    {
        var run = await SockRunner.RunAsync(args.Split(' '), timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains(says, line);
    }

    [Fact]
    public async Task a_port_in_use_is_one_line_and_exit_1()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        var run = await SockRunner.RunAsync(["serve", "http", ".", "--bind", "127.0.0.1", "--port", port], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(run.StderrLines);
        Assert.Contains("address already in use", line);
    }

    // 127.0.0.1 - - [06/Dec/2026:22:45:37 +0000] "GET /a.txt HTTP/1.1" 200 6 0.412ms
    [GeneratedRegex(@"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""GET /a\.txt HTTP/1\.1"" 200 13 \d+\.\d{3}ms$")]
    private static partial Regex CommonLogLine();
}
