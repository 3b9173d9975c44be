using System.Security.Cryptography;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// `sock connect --proxy` through real proxies from Debian — dante, microsocks, tinyproxy, ncat's HTTP proxy — with and
/// without credentials, over IPv4 and IPv6 loopback, to a destination that speaks first.
/// </summary>
public sealed class ProxyClientTests
{
    /// <summary>The transports a proxy is reached over: the peers listen on TCP only (none of them on a Unix socket).</summary>
    public static TheoryData<string> Tcp => new() { Transports.Tcp4, Transports.Tcp6 };

    public static TheoryData<string, string> PeersOverTcp()
    {
        var data = new TheoryData<string, string>();
        foreach (var peer in ProxyPeer.Names)
            foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6 })
                data.Add(peer, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(PeersOverTcp))]
    public async Task connect_through_a_real_proxy_keeps_the_greeting_and_16_MiB_intact(string peer, string transport)
    {
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        // microsocks and ncat's HTTP proxy close both ways at the client's FIN, dropping the echo still in flight: sock
        // keeps its side open (--no-shutdown) and the target ends the session once all of it is echoed.
        using var target = new TalkFirstTarget(transport, closeAfter: data.Length);
        await using var proxy = await ProxyPeer.StartAsync(peer, transport);
        // HTTP proxies take the credentials as ncat's --proxy-auth; SOCKS5 ones in the URL: both spellings are used.
        string[] proxyArgs = proxy.Scheme == "http" && proxy.WantsCredentials
            ? ["--proxy", proxy.Address, "--proxy-type", "http", "--proxy-auth", $"{proxy.UserName}:{proxy.UserPassword}"]
            : ["--proxy", proxy.Url];
        await using var sock = RunningProcess.SockHashed(["connect", "--no-shutdown", .. proxyArgs, target.Host, target.Port.ToString()]);
        await sock.Stdin.WriteAsync(data);
        sock.CloseStdin();
        var exit = await sock.WaitForExitAsync(90);
        var (_, sha, length) = await sock.Stdout;
        Assert.True(exit == 0, $"exit {exit}: {string.Join(" | ", sock.StderrLines)}; proxy: {proxy.Log}");
        Assert.Equal(TalkFirstTarget.Greeting.Length + data.Length, length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([.. TalkFirstTarget.Greeting, .. data])), sha);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task ncats_http_proxy_is_answered_with_digest(string transport)
    {
        // ncat's HTTP proxy closes both ways at the client's FIN, so the greeting could be dropped when sock's FIN comes
        // first (the AOT build is that fast): sock keeps its side open and the target ends the session once it has echoed.
        using var target = new TalkFirstTarget(transport, closeAfter: "ping\n".Length);
        await using var proxy = await ProxyPeer.StartAsync("ncat-http-auth", transport);
        var run = await SockRunner.RunAsync(["--trace", "connect", "--no-shutdown", "--proxy", proxy.Address, "--proxy-auth", $"{ProxyPeer.User}:{ProxyPeer.Password}",
            target.Host, target.Port.ToString()], "ping\n", TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run + proxy.Log);
        // Said in full when it fails: under the Native AOT build this came out empty (exit 0) in a fresh-clone run.
        Assert.True(run.Stdout == "220 the target speaks first\r\nping\n", run + proxy.Log);
        // ncat offers Basic and Digest: sock answers the stronger, on a second connection as ncat's own client does.
        Assert.Contains(run.StderrLines, l => l.Contains("HTTP reply: HTTP/1.0 407", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.Contains($"Proxy-Authorization: Digest (user {ProxyPeer.User})", StringComparison.Ordinal));
        Assert.DoesNotContain(ProxyPeer.Password, run.Stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, string> RealRefusals()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6 })
        {
            data.Add(t, "microsocks", "closed-port", "SOCKS5 proxy {proxy} refused the connection to {target}: connection refused (reply 5)");
            // microsocks says 2 (its EC_NOT_ALLOWED) for wrong credentials; 1 only for a malformed request.
            data.Add(t, "microsocks-auth", "wrong-password", "SOCKS5 proxy {proxy} refused the user name and password of alice: authentication failed (status 2)");
            data.Add(t, "microsocks-auth", "no-credentials", "SOCKS5 proxy {proxy} accepts none of the authentication methods offered: it wants credentials (method 0xFF): give --proxy-auth USER:PASS");
            data.Add(t, "danted", "blocked-port", "SOCKS5 proxy {proxy} refused the connection to {target}: connection not allowed by ruleset (reply 2)");
            data.Add(t, "danted-auth", "wrong-password", "SOCKS5 proxy {proxy} refused the user name and password of sockproxy: authentication failed (status 1)");
            data.Add(t, "tinyproxy-basic", "no-credentials", "HTTP proxy {proxy} refused the connection to {target}: proxy authentication required (407): give --proxy-auth USER:PASS");
            // tinyproxy answers wrong Basic credentials with 401, not 407.
            data.Add(t, "tinyproxy-basic", "wrong-password", "HTTP proxy {proxy} refused the connection to {target}: 401 Unauthorized: the user name and password of alice were refused");
            data.Add(t, "ncat-http-auth", "wrong-password", "HTTP proxy {proxy} refused the connection to {target}: proxy authentication required (407): the user name and password of alice were refused");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RealRefusals))]
    public async Task a_real_proxys_refusal_is_one_line_and_exit_1(string transport, string peer, string what, string expected)
    {
        using var target = new TalkFirstTarget(transport);
        // A port with nothing behind it: the target's listener, closed.
        var closed = new TalkFirstTarget(transport);
        var closedPort = closed.Port;
        closed.Dispose();
        var destinationPort = what is "closed-port" or "blocked-port" ? closedPort : target.Port;
        await using var proxy = await ProxyPeer.StartAsync(peer, transport, danteBlockedPort: what == "blocked-port" ? closedPort : null);
        var scheme = proxy.Scheme;
        var credentials = what switch
        {
            "wrong-password" => $"{proxy.UserName}:wrong@",
            "no-credentials" => "",
            _ => proxy.WantsCredentials ? $"{proxy.UserName}:{proxy.UserPassword}@" : "",
        };
        var run = await SockRunner.RunAsync(["connect", "--proxy", $"{scheme}://{credentials}{proxy.Address}", target.Host, destinationPort.ToString()],
            "", TimeSpan.FromSeconds(60));
        var targetText = target.Host.Contains(':') ? $"[{target.Host}]:{destinationPort}" : $"{target.Host}:{destinationPort}";
        Assert.True(run.ExitCode == 1, run + proxy.Log);
        Assert.Equal("sock: " + expected.Replace("{proxy}", proxy.Address).Replace("{target}", targetText), Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task a_chain_of_a_socks5_and_an_http_proxy_reaches_the_destination(string transport)
    {
        // microsocks closes both ways at the client's FIN (see above): sock keeps its side open, the target ends the session.
        using var target = new TalkFirstTarget(transport, closeAfter: "through two\n".Length);
        await using var first = await ProxyPeer.StartAsync("microsocks-auth", transport);
        await using var second = await ProxyPeer.StartAsync("tinyproxy", transport);
        var run = await SockRunner.RunAsync(["connect", "-v", "--no-shutdown", "--proxy", $"{first.Url},{second.Url}", target.Host, target.Port.ToString()],
            "through two\n", TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run + first.Log + second.Log);
        Assert.Equal("220 the target speaks first\r\nthrough two\n", run.Stdout);
        Assert.Contains($"Proxy socks5://alice@{first.Address} connected to {second.Address}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Proxy http://{second.Address} connected to", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task openbsd_ncs_dash_X_and_dash_x_work_as_in_sshs_proxycommand(string transport)
    {
        using var target = new TalkFirstTarget(transport);
        await using var proxy = await ProxyPeer.StartAsync("danted", transport);
        var run = await SockRunner.RunAsync(["nc", "-X", "5", "-x", proxy.Address, target.Host, target.Port.ToString()], "ssh-2.0\n",
            TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run + proxy.Log);
        Assert.Equal("220 the target speaks first\r\nssh-2.0\n", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task scan_through_a_proxy_tells_open_ports_from_closed_ones(string transport)
    {
        using var target = new TalkFirstTarget(transport);
        var closed = new TalkFirstTarget(transport);
        var closedPort = closed.Port;
        closed.Dispose();
        await using var proxy = await ProxyPeer.StartAsync("microsocks-auth", transport);
        var run = await SockRunner.RunAsync(["scan", "--proxy", proxy.Url, "--all", "--banner", target.Host, "-p", $"{target.Port},{closedPort}"],
            null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run + proxy.Log);
        Assert.Matches($@"(?m)^{target.Port}/tcp\s+open\s+", run.Stdout);
        Assert.Matches($@"(?m)^{closedPort}/tcp\s+closed", run.Stdout);
        // The banner is the target's greeting, read through the proxy.
        Assert.Contains("220 the target speaks first", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task bench_connect_makes_every_connection_through_the_proxy(string transport)
    {
        using var target = new TalkFirstTarget(transport);
        await using var proxy = await ProxyPeer.StartAsync("microsocks", transport);
        var run = await SockRunner.RunAsync(["bench", "connect", target.Host, target.Port.ToString(), "-n", "20", "--proxy", proxy.Url],
            null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run + proxy.Log);
        // The probe connection and the 20 measured ones, each a CONNECT the proxy logged and made to the target.
        Assert.True(Volatile.Read(ref target.Connections) >= 21, $"{target.Connections} connections reached the target");
        Assert.True(proxy.StderrLines.Count(l => l.Contains("connected to", StringComparison.Ordinal)) >= 21, proxy.Log);
    }
}
