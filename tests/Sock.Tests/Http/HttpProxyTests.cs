using Sock.Tests.Proxies;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// sock http through real proxies — tinyproxy (HTTP, with and without Basic credentials), ncat's HTTP proxy (offering Basic and Digest: .NET answers Digest), dante and
/// microsocks (SOCKS5) — each request made by curl -x through the same proxy as well, and the answers compared. Over
/// tcp4 and tcp6 (a proxy carries TCP only; a Unix socket with --proxy is a usage error, below).
/// </summary>
public sealed class HttpProxyTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static TheoryData<string, string> PeersAndTransports()
    {
        var data = new TheoryData<string, string>();
        foreach (var peer in new[] { "tinyproxy", "tinyproxy-basic", "ncat-http", "ncat-http-auth", "danted", "microsocks-auth" })
            foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6 })
                data.Add(peer, transport);
        return data;
    }

    private static TempDirectory Site(out byte[] blob)
    {
        var dir = new TempDirectory("sock-http-proxy-site-");
        blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        File.WriteAllBytes(dir.File("blob.bin"), blob);
        return dir;
    }

    [Theory]
    [MemberData(nameof(PeersAndTransports))]
    public async Task an_http_url_through_a_proxy_gets_what_curl_gets_through_it(string peerName, string transport)
    {
        using var site = Site(out var blob);
        using var work = new TempDirectory("sock-http-proxy-out-");
        await using var server = await PythonHttpServer.StartAsync(transport, site.Path);
        await using var peer = await ProxyPeer.StartAsync(peerName, transport);
        var url = server.Url("/blob.bin");

        var sockBody = work.File("sock.bin");
        var sock = await SockRunner.RunAsync(["http", "-v", "-i", "-o", sockBody, "-x", peer.Url, url], timeout: Limit);
        Assert.True(sock.ExitCode == 0, $"{sock} | proxy: {peer.Log}");
        var curlBody = work.File("curl.bin");
        var curlHead = work.File("curl.head");
        var curl = await ProcessRunner.RunAsync(["curl", "-s", "-D", curlHead, "-o", curlBody, "-x", peer.Url, url], timeout: Limit);
        Assert.True(curl.ExitCode == 0, curl.ToString());

        var (sockStatus, sockHeaders) = PythonHttpServer.ParseHead(sock.Stdout);
        var (curlStatus, curlHeaders) = PythonHttpServer.ParseHead(await File.ReadAllTextAsync(curlHead));
        Assert.Equal(200, curlStatus);
        Assert.Equal(curlStatus, sockStatus);
        Assert.Equal(curlHeaders.GetValueOrDefault("content-length"), sockHeaders.GetValueOrDefault("content-length"));
        Assert.Equal(blob, await File.ReadAllBytesAsync(sockBody));
        Assert.Equal(blob, await File.ReadAllBytesAsync(curlBody));

        // The socket sock opened is the proxy's, and an HTTP proxy is asked in absolute form, as curl asks it.
        Assert.Contains(sock.StderrLines, l => l.StartsWith("* Connected to ", StringComparison.Ordinal) && l.Contains(peer.Address, StringComparison.Ordinal));
        if (peer.Scheme == "http")
        {
            Assert.Contains($"> GET {url} HTTP/1.1", sock.StderrLines);
            if (peerName.StartsWith("tinyproxy", StringComparison.Ordinal))
                await peer.WaitForStdoutAsync($"GET {url} HTTP/1.1");
        }
        else
        {
            Assert.Contains("> GET /blob.bin HTTP/1.1", sock.StderrLines);
        }
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task https_and_proxytunnel_go_through_an_http_connect_tunnel_with_tls_to_the_host(string transport)
    {
        using var site = Site(out var blob);
        using var work = new TempDirectory("sock-http-proxy-tls-");
        var (cert, key) = await PythonHttpServer.MakeCertificateAsync(work, "DNS:localhost,IP:127.0.0.1,IP:::1");
        await using var tls = await PythonHttpServer.StartAsync(transport, site.Path, cert, key);
        await using var clear = await PythonHttpServer.StartAsync(transport, site.Path);
        await using var peer = await ProxyPeer.StartAsync("tinyproxy", transport);

        var secured = await SockRunner.RunAsync(["http", "-v", "-o", work.File("tls.bin"), "--cacert", cert, "-x", peer.Url, tls.Url("/blob.bin", "https")], timeout: Limit);
        Assert.True(secured.ExitCode == 0, $"{secured} | proxy: {peer.Log}");
        Assert.Equal(blob, await File.ReadAllBytesAsync(work.File("tls.bin")));
        Assert.Contains("> GET /blob.bin HTTP/1.1", secured.StderrLines);
        await peer.WaitForStdoutAsync($"CONNECT {(transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1")}:{tls.Where} HTTP/1.1");

        var tunnelled = await SockRunner.RunAsync(["http", "-v", "-p", "-o", work.File("clear.bin"), "-x", peer.Url, clear.Url("/blob.bin")], timeout: Limit);
        Assert.True(tunnelled.ExitCode == 0, $"{tunnelled} | proxy: {peer.Log}");
        Assert.Equal(blob, await File.ReadAllBytesAsync(work.File("clear.bin")));
        Assert.Contains("> GET /blob.bin HTTP/1.1", tunnelled.StderrLines);
    }

    [Fact]
    public async Task a_proxy_that_wants_credentials_answers_407_as_curl_sees_it_and_a_refused_tunnel_is_one_line()
    {
        using var site = Site(out _);
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path);
        await using var peer = await ProxyPeer.StartAsync("tinyproxy-basic", Transports.Tcp4);
        var bare = $"http://{peer.Address}";
        var url = server.Url("/blob.bin");

        var sock = await SockRunner.RunAsync(["http", "-i", "-o", "/dev/null", "-x", bare, url], timeout: Limit);
        var curl = await ProcessRunner.RunAsync(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-x", bare, url], timeout: Limit);
        Assert.Equal(0, sock.ExitCode);
        Assert.Equal("407", curl.Stdout.Trim());
        Assert.Equal(407, PythonHttpServer.ParseHead(sock.Stdout).Status);

        var withUser = await SockRunner.RunAsync(["http", "-i", "-o", "/dev/null", "-x", bare, "-U", $"{ProxyPeer.User}:{ProxyPeer.Password}", url], timeout: Limit);
        Assert.True(withUser.ExitCode == 0, withUser.ToString());
        Assert.Equal(200, PythonHttpServer.ParseHead(withUser.Stdout).Status);

        var tunnel = await SockRunner.RunAsync(["http", "-p", "-o", "/dev/null", "-x", bare, url], timeout: Limit);
        Assert.Equal(1, tunnel.ExitCode);
        var line = Assert.Single(tunnel.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains("407", line);
    }

    [Theory]
    [InlineData("http -x http://127.0.0.1:1 --unix-socket /tmp/nowhere.sock http://localhost/", "--unix-socket")]
    [InlineData("http -p http://127.0.0.1:1/", "--proxytunnel")]
    [InlineData("http -U alice:pw http://127.0.0.1:1/", "needs --proxy")]
    [InlineData("http -x gopher://127.0.0.1:1 http://127.0.0.1:1/", "gopher")]
    [InlineData("http -4 -x http://[::1]:1 http://127.0.0.1:1/", "-4")]
    [InlineData("http -x http://127.0.0.1:1 --proxy-dns local http://127.0.0.1:1/", "--proxy-dns")]
    public async Task proxy_options_that_cannot_apply_are_usage_errors(string args, string named)
    {
        Assert.Contains(named, await SockRunner.UsageErrorAsync(args));
    }
}
