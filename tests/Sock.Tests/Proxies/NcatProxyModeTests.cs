using System.Net;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// ncat's proxy server mode on sock proxy's server: `sock nc -l --proxy-type http [--proxy-auth USER:PASS]`, reached by
/// curl (CONNECT and GET forwarding, Basic and Digest) and by ncat's own --proxy client, on IPv4 and IPv6.
/// </summary>
public sealed class NcatProxyModeTests
{
    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    private static async Task<(RunningProcess, IPEndPoint)> StartAsync(string transport, params string[] extra)
    {
        var p = RunningProcess.Sock(["nc", "-lv", "--proxy-type", "http", .. extra, transport == Transports.Tcp6 ? "::1" : "127.0.0.1", "0"]);
        var m = await p.WaitForStderrAsync(@"listening on (\S+)$", 30);
        return (p, IPEndPoint.Parse(m.Groups[1].Value));
    }

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task nc_l_proxy_type_http_serves_curl_and_ncat(string transport)
    {
        await using var target = await ProxyHarness.StartAsync(transport);
        var (proxy, address) = await StartAsync(transport);
        await using var _ = proxy;
        var proxyUrl = $"http://{(transport == Transports.Tcp6 ? $"[::1]:{address.Port}" : $"127.0.0.1:{address.Port}")}";
        var get = await ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", "-x", proxyUrl, $"http://{target.TargetAddress}/ncat-mode"]);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.StartsWith("GET /ncat-mode HTTP/1.1", get.Stdout);
        var ncat = await ProcessRunner.RunAsync(["ncat", "--proxy", proxyUrl[7..], "--proxy-type", "http", target.TargetEndPoint.Address.ToString(), $"{target.TargetEndPoint.Port}"],
            stdin: "via ncat\n", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("via ncat\nbytes=9\n", ncat.Stdout);
        // Only HTTP: ncat's proxy server does not speak SOCKS.
        var socks = await ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", "--socks5", proxyUrl[7..], $"http://{target.TargetAddress}/"]);
        Assert.NotEqual(0, socks.ExitCode);
    }

    [Fact]
    public async Task proxy_auth_is_asked_with_basic_and_digest_as_ncat_does()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        var (proxy, address) = await StartAsync(Transports.Tcp4, "--proxy-auth", "bob:secret");
        await using var _ = proxy;
        var url = $"http://{target.TargetAddress}/auth";
        string[] Curl(params string[] a) => ["curl", "-sS", "--max-time", "20", "-x", $"http://127.0.0.1:{address.Port}", .. a, url];
        Assert.Equal("407", (await ProcessRunner.RunAsync(Curl("-o", "/dev/null", "-w", "%{http_code}"))).Stdout);
        Assert.Equal(0, (await ProcessRunner.RunAsync(Curl("-U", "bob:secret"))).ExitCode);
        Assert.Equal(0, (await ProcessRunner.RunAsync(Curl("--proxy-digest", "-U", "bob:secret"))).ExitCode);
        var ncat = await ProcessRunner.RunAsync(["ncat", "--proxy", $"127.0.0.1:{address.Port}", "--proxy-type", "http", "--proxy-auth", "bob:secret",
            "127.0.0.1", $"{target.TargetEndPoint.Port}"], stdin: "authenticated\n", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("authenticated\nbytes=14\n", ncat.Stdout);
        Assert.Equal("407", (await ProcessRunner.RunAsync(Curl("-U", "bob:wrong", "-o", "/dev/null", "-w", "%{http_code}"))).Stdout);
    }
}
