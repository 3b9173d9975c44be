using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// `sock proxy`'s server against the clients people use: curl (SOCKS5 with remote names, SOCKS4a, HTTP CONNECT and HTTP
/// forwarding), ncat --proxy (socks5, http) and OpenBSD nc -X; the proxy listening on IPv4 and on IPv6, and on a Unix
/// socket for a client written in the test.
/// </summary>
public sealed class ProxyPeerTests
{
    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_socks5_hostname_fetches_through_the_proxy(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        // A name for IPv4 (the proxy resolves it), the literal for IPv6 (localhost need not name ::1).
        var host = transport == Transports.Tcp4 ? "localhost" : "[::1]";
        var r = await Curl("--socks5-hostname", h.ProxyAddress, $"http://{host}:{h.TargetEndPoint.Port}/via-socks5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("GET /via-socks5 HTTP/1.1", r.Stdout);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("socks5", "connect", $"{host}:{h.TargetEndPoint.Port}", false), (s.Protocol, s.Command, s.Destination, s.Refused));
        Assert.True(s.BytesUp > 0 && s.BytesDown > 0, $"{s.BytesUp} up, {s.BytesDown} down");
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_socks4a_fetches_through_the_proxy(string transport)
    {
        // SOCKS4 carries IPv4 destinations (and 4a names): the target is on IPv4 whichever family the proxy listens on.
        await using var h = await ProxyHarness.StartAsync(transport, targetV6: false);
        var r = await Curl("--socks4a", h.ProxyAddress, $"http://localhost:{h.TargetEndPoint.Port}/via-socks4a");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("GET /via-socks4a HTTP/1.1", r.Stdout);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("socks4a", "connect"), (s.Protocol, s.Command));
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_http_connect_tunnels_through_the_proxy(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        var r = await Curl("-p", "-x", $"http://{h.ProxyAddress}", $"http://{h.TargetAddress}/tunnelled");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("GET /tunnelled HTTP/1.1", r.Stdout);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("http", "connect"), (s.Protocol, s.Command));
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_http_get_is_forwarded_in_origin_form_without_the_proxy_headers(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        var r = await Curl("-x", $"http://{h.ProxyAddress}", "-H", "Proxy-Connection: keep-alive", $"http://{h.TargetAddress}/forwarded?q=1");
        Assert.True(r.ExitCode == 0, r.ToString());
        // What the target received: the request line in origin form, the Host kept, this hop's headers gone.
        Assert.StartsWith("GET /forwarded?q=1 HTTP/1.1\r\n", r.Stdout);
        Assert.Contains($"Host: {h.TargetAddress}\r\n", r.Stdout);
        Assert.Contains("Connection: close\r\n", r.Stdout);
        Assert.DoesNotContain("Proxy-", r.Stdout);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("http", "get", false), (s.Protocol, s.Command, s.Refused));
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_http_post_is_forwarded_with_its_body(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        // The target answers with the head only, so the body is checked from the proxy's count of bytes up.
        var r = await Curl("-x", $"http://{h.ProxyAddress}", "--data-binary", "twelve bytes", $"http://{h.TargetAddress}/post");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("POST /post HTTP/1.1\r\n", r.Stdout);
        Assert.Contains("Content-Length: 12\r\n", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task a_python_http_server_is_reached_by_get_forwarding(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        using var dir = new TempDirectory("sock-proxy-www-");
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "page.txt"), "served by python\n");
        using var python = ProcessRunner.Start(["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir.Path]);
        try
        {
            // "Serving HTTP on 127.0.0.1 port N (…)": the port the system picked.
            var line = await python.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var port = int.Parse(line!.Split(" port ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            var r = await Curl("-x", $"http://{h.ProxyAddress}", $"http://127.0.0.1:{port}/page.txt");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("served by python\n", r.Stdout);
        }
        finally
        {
            python.Kill(entireProcessTree: true);
            await python.WaitForExitAsync();
        }
    }

    public static TheoryData<string, string> NcatTypes => new()
    {
        { Transports.Tcp4, "socks5" }, { Transports.Tcp6, "socks5" }, { Transports.Tcp4, "http" }, { Transports.Tcp6, "http" },
    };

    [Theory]
    [MemberData(nameof(NcatTypes))]
    public async Task ncat_through_the_proxy_gets_the_echo_and_the_half_close_passes(string transport, string type)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        // ncat shuts its side down at the end of stdin; the target answers only once it sees that end of stream.
        var r = await ProcessRunner.RunAsync(["ncat", "--proxy", h.ProxyAddress, "--proxy-type", type, h.TargetEndPoint.Address.ToString(), $"{h.TargetEndPoint.Port}"],
            stdin: "through ncat\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("through ncat\nbytes=13\n", r.Stdout);
    }

    public static TheoryData<string, string> OpenBsdTypes => new()
    {
        { Transports.Tcp4, "5" }, { Transports.Tcp6, "5" }, { Transports.Tcp4, "4" }, { Transports.Tcp4, "connect" }, { Transports.Tcp6, "connect" },
    };

    [Theory]
    [MemberData(nameof(OpenBsdTypes))]
    public async Task openbsd_nc_x_through_the_proxy_gets_the_echo(string transport, string type)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        var proxy = (IPEndPoint)h.ProxyEndPoint;
        var r = await ProcessRunner.RunAsync(["nc.openbsd", "-N", "-X", type, "-x", $"{proxy.Address}:{proxy.Port}", h.TargetEndPoint.Address.ToString(), $"{h.TargetEndPoint.Port}"],
            stdin: "through nc\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("through nc\nbytes=11\n", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task bytes_sent_with_the_request_reach_the_target_and_16_mib_come_back_intact(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var stream = new NetworkStream(socket);
        // Greeting, request and the first data in one write: nothing the client sends early may be lost.
        var payload = RandomNumberGenerator.GetBytes(16 << 20);
        byte[] first = [5, 1, 0, .. Socks5Bytes.Request(1, h.TargetEndPoint.Address.ToString(), h.TargetEndPoint.Port), .. payload.AsSpan(0, 1000)];
        await stream.WriteAsync(first);
        Assert.Equal(new byte[] { 5, 0 }, await Socks5Bytes.ReadAsync(stream, 2));
        var (code, bound) = await Socks5Bytes.ReadReplyAsync(stream);
        Assert.Equal(0, code);
        Assert.NotNull(bound);
        var reading = Socks5Bytes.ReadToEndAsync(stream);
        var writing = Task.Run(async () =>
        {
            await stream.WriteAsync(payload.AsMemory(1000));
            socket.Shutdown(SocketShutdown.Send); // the half-close the target waits for
        });
        var back = await reading.WaitAsync(TimeSpan.FromSeconds(60));
        await writing;
        var tail = Encoding.ASCII.GetBytes($"bytes={payload.Length}\n");
        Assert.Equal(payload.Length + tail.Length, back.Length);
        Assert.True(back.AsSpan(0, payload.Length).SequenceEqual(payload), "the echo differs");
        Assert.True(back.AsSpan(payload.Length).SequenceEqual(tail));
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal((long)payload.Length, s.BytesUp);
        Assert.Equal((long)payload.Length + tail.Length, s.BytesDown);
    }

    private static Task<SockRun> Curl(params string[] args) =>
        ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", .. args], timeout: TimeSpan.FromSeconds(30));
}
