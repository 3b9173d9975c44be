using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Proxies;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// What the proxy refuses, and how: wrong or missing credentials (SOCKS5 RFC 1929, HTTP Basic and Digest), destinations
/// the rules deny, its own address (the loop guard), and malformed, unsupported or slow handshakes — each with its
/// protocol's error reply, then the close; never a hang.
/// </summary>
public sealed class ProxyRefusalTests
{
    private static ProxyServerOptions WithUsers(bool digest = false) => new()
    {
        Users = ProxyUsers.Create([("bob", "secret"), ("alice", "pa:ss word")]),
        HttpDigest = digest,
    };

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task socks5_wrong_password_gets_status_1_and_the_close(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport, WithUsers());
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await s.WriteAsync(new byte[] { 5, 2, 0, 2 });
        Assert.Equal(new byte[] { 5, 2 }, await Socks5Bytes.ReadAsync(s, 2)); // username/password chosen over none
        await s.WriteAsync((byte[])[1, 3, .. "bob"u8, 5, .. "wrong"u8]);
        Assert.Equal(new byte[] { 1, 1 }, await Socks5Bytes.ReadToEndAsync(s));
        var ended = Assert.Single(await h.EndedAsync());
        Assert.True(ended.Refused);
        Assert.Equal("authentication failed for user bob", ended.Outcome);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task socks5_right_password_connects(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport, WithUsers());
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        Assert.Equal(2, await Socks5Bytes.GreetAsync(s, "alice", "pa:ss word"));
        var (code, _) = await Socks5Bytes.RequestAsync(s, 1, h.TargetEndPoint.Address.ToString(), h.TargetEndPoint.Port);
        Assert.Equal(0, code);
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("bytes=0\n", Encoding.ASCII.GetString(await Socks5Bytes.ReadToEndAsync(s)));
        Assert.Equal("alice", Assert.Single(await h.EndedAsync()).User);
    }

    [Fact]
    public async Task socks5_client_offering_only_no_authentication_to_a_proxy_with_users_gets_method_ff()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4, WithUsers());
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await s.WriteAsync(new byte[] { 5, 1, 0 });
        Assert.Equal(new byte[] { 5, 0xFF }, await Socks5Bytes.ReadToEndAsync(s));
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task curl_with_and_without_the_right_user(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport, WithUsers());
        var url = $"http://{h.TargetAddress}/x";
        Assert.Equal(0, (await Curl("--socks5", $"socks5h://bob:secret@{h.ProxyAddress}", url)).ExitCode);
        Assert.NotEqual(0, (await Curl("--socks5", $"socks5h://bob:nope@{h.ProxyAddress}", url)).ExitCode);
        Assert.Equal(0, (await Curl("-x", $"http://bob:secret@{h.ProxyAddress}", url)).ExitCode);
        var wrong = await Curl("-x", $"http://bob:nope@{h.ProxyAddress}", "-o", "/dev/null", "-w", "%{http_code}", url);
        Assert.Equal("407", wrong.Stdout);
        Assert.Equal(0, (await Curl("-p", "-x", $"http://bob:secret@{h.ProxyAddress}", url)).ExitCode);
    }

    [Fact]
    public async Task a_407_names_basic_and_with_digest_curl_answers_the_digest_challenge()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4, WithUsers(digest: true));
        var url = $"http://{h.TargetAddress}/digest";
        var challenge = await Curl("-x", $"http://{h.ProxyAddress}", "-D", "-", "-o", "/dev/null", url);
        Assert.Contains("HTTP/1.1 407", challenge.Stdout);
        Assert.Contains("Proxy-Authenticate: Digest realm=\"sock\", qop=\"auth\", algorithm=SHA-256", challenge.Stdout);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"sock\"", challenge.Stdout);
        var ok = await Curl("--proxy-digest", "-U", "bob:secret", "-x", $"http://{h.ProxyAddress}", url);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.StartsWith("GET /digest HTTP/1.1", ok.Stdout);
        var tunnel = await Curl("-p", "--proxy-digest", "-U", "bob:secret", "-x", $"http://{h.ProxyAddress}", url);
        Assert.True(tunnel.ExitCode == 0, tunnel.ToString());
        var bad = await Curl("--proxy-digest", "-U", "bob:wrong", "-x", $"http://{h.ProxyAddress}", "-o", "/dev/null", "-w", "%{http_code}", url);
        Assert.Equal("407", bad.Stdout);
    }

    [Fact]
    public async Task socks4_is_refused_with_91_when_the_proxy_has_users()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4, WithUsers());
        var r = await Curl("--socks4", h.ProxyAddress, $"http://{h.TargetAddress}/");
        Assert.Equal(97, r.ExitCode);
        Assert.Contains("(91)", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_denied_range_gets_socks5_reply_2_and_http_403(string transport)
    {
        var rules = DestinationRules.Create([DestinationRule.Parse(false, "127.0.0.0/8"), DestinationRule.Parse(false, "::1")]);
        await using var h = await ProxyHarness.StartAsync(transport, new ProxyServerOptions { Destinations = rules });
        using (var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint))
        await using (var s = new NetworkStream(socket))
        {
            Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
            // A name that resolves into the range is denied too: the rule sees the address.
            var (code, _) = await Socks5Bytes.RequestAsync(s, 1, "localhost", h.TargetEndPoint.Port);
            Assert.Equal(2, code);
        }
        using (var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint))
        await using (var s = new NetworkStream(socket))
        {
            // An address: the request read on the reactor meets the same rule.
            Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
            var (code, _) = await Socks5Bytes.RequestAsync(s, 1, h.TargetEndPoint.Address.ToString(), h.TargetEndPoint.Port);
            Assert.Equal(2, code);
        }
        if (transport != Transports.Unix)
        {
            var r = await Curl("-x", $"http://{h.ProxyAddress}", "-o", "/dev/null", "-w", "%{http_code}", $"http://{h.TargetAddress}/");
            Assert.Equal("403", r.Stdout);
        }
        Assert.Contains("denied by --deny-dest", (await h.EndedAsync()).First().Outcome);
    }

    [Fact]
    public async Task an_allow_list_denies_everything_else_by_default_and_a_name_rule_needs_no_lookup()
    {
        await using var probe = await ProxyHarness.StartAsync(Transports.Tcp4);
        var port = probe.TargetEndPoint.Port;
        var rules = DestinationRules.Create([DestinationRule.Parse(false, "*.invalid"), DestinationRule.Parse(true, $"127.0.0.1:{port}")]);
        Assert.False(rules.DefaultAllow);
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4, new ProxyServerOptions { Destinations = rules });
        async Task<byte> Ask(string host, int p)
        {
            using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
            await using var s = new NetworkStream(socket);
            await Socks5Bytes.GreetAsync(s);
            return (await Socks5Bytes.RequestAsync(s, 1, host, p)).Code;
        }
        Assert.Equal(0, await Ask("127.0.0.1", port)); // allowed: the probe's target answers
        Assert.Equal(2, await Ask("127.0.0.1", port + 1 > 65535 ? port - 1 : port + 1));
        Assert.Equal(2, await Ask("no-such-host.invalid", port)); // denied by name: never resolved (it would be reply 4)
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task the_proxy_never_connects_to_itself(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        // Over Unix the proxy's own TCP listener is not reachable: a second proxy on tcp4 checks the same rule.
        await using var ip = transport == Transports.Unix ? await ProxyHarness.StartAsync(Transports.Tcp4) : null;
        var self = (IPEndPoint)(ip ?? h).ProxyEndPoint;
        using var socket = await Socks5Bytes.ConnectAsync((ip ?? h).ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await Socks5Bytes.GreetAsync(s);
        var (code, _) = await Socks5Bytes.RequestAsync(s, 1, self.Address.ToString(), self.Port);
        Assert.Equal(2, code);
        Assert.StartsWith("loop:", (await (ip ?? h).EndedAsync()).First().Outcome);
        Assert.Equal(1, (ip ?? h).Proxy.Server.TotalAccepted); // the refused hop was never made
    }

    [Fact]
    public void a_wildcard_listener_guards_every_local_address_on_its_port()
    {
        var guard = new LoopGuard();
        guard.Add(new IPEndPoint(IPAddress.Any, 1080));
        Assert.NotNull(guard.Refusal(IPAddress.Parse("127.0.0.2"), 1080));
        Assert.NotNull(guard.Refusal(IPAddress.Parse("::ffff:127.0.0.1"), 1080));
        Assert.Null(guard.Refusal(IPAddress.Parse("127.0.0.2"), 1081));
        Assert.Null(guard.Refusal(IPAddress.Parse("192.0.2.1"), 1080)); // TEST-NET: not this machine's (only compared, never contacted)
    }

    public static TheoryData<string, byte[], byte[]> Malformed => new()
    {
        { "no methods", [5, 0], [5, 0xFF] },
        { "bind is not served", [5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80], [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0] },
        { "unknown address type", [5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4], [5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0] },
        { "request of version 4", [5, 1, 0, 4, 1, 0, 1, 127, 0, 0, 1, 0, 80], [5, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0] },
        { "auth of version 2", [5, 1, 2, 2, 1, 65, 1, 65], [5, 2, 1, 1] },
        { "socks4 bind", [4, 2, 0, 80, 127, 0, 0, 1, 0], [0, 91, 0, 0, 0, 0, 0, 0] },
        { "socks4 user id of 300 bytes", [4, 1, 0, 80, 127, 0, 0, 1, .. Enumerable.Repeat((byte)'u', 300), 0], [0, 91, 0, 0, 0, 0, 0, 0] },
        { "http garbage", "GET\r\n\r\n"u8.ToArray(), "HTTP/1.1 400 Bad Request"u8.ToArray() },
        { "http origin form", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), "HTTP/1.1 400 Bad Request"u8.ToArray() },
        { "http folded header", "GET http://x/ HTTP/1.1\r\nA: b\r\n c\r\n\r\n"u8.ToArray(), "HTTP/1.1 400 Bad Request"u8.ToArray() },
        { "http head of 20 KiB", [.. "GET http://x/ HTTP/1.1\r\nA: "u8, .. Enumerable.Repeat((byte)'a', 20 << 10)], "HTTP/1.1 431 Request Header Fields Too Large"u8.ToArray() },
        { "https to forward", "GET https://x/ HTTP/1.1\r\n\r\n"u8.ToArray(), "HTTP/1.1 501 Not Implemented"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task a_malformed_handshake_gets_the_protocols_error_reply_and_the_close(string what, byte[] send, byte[] expected)
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await s.WriteAsync(send);
        var got = await Socks5Bytes.ReadToEndAsync(s);
        Assert.True(got.AsSpan().StartsWith(expected), $"{what}: got {Convert.ToHexString(got)}");
        if (expected[0] != (byte)'H') Assert.Equal(expected.Length, got.Length);
        Assert.True(Assert.Single(await h.EndedAsync()).Refused);
    }

    [Fact]
    public async Task an_unknown_first_byte_is_closed_without_an_answer()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await s.WriteAsync(new byte[] { 0x16, 3, 1, 0, 5 }); // a TLS ClientHello's start
        try
        {
            Assert.Empty(await Socks5Bytes.ReadToEndAsync(s));
        }
        catch (IOException)
        {
            // reset: also a close without an answer
        }
        Assert.Equal("unknown protocol (first byte 0x16)", Assert.Single(await h.EndedAsync()).Outcome);
    }

    public static TheoryData<string, byte[], byte[]> Slow => new()
    {
        { "silent", [], [] },
        { "socks5 greeting cut short", [5, 3, 0], [5, 0xFF] },
        { "socks5 request cut short", [5, 1, 0, 5, 1, 0, 3, 20, 97], [5, 0, 5, 6, 0, 1, 0, 0, 0, 0, 0, 0] },
        // An address request is read on the reactor (a name's goes through the stream): its own timer, the same replies.
        { "socks5 address request cut short", [5, 1, 0, 5, 1, 0, 1, 127, 0], [5, 0, 5, 6, 0, 1, 0, 0, 0, 0, 0, 0] },
        { "socks5 greeting with its first byte only", [5], [5, 0xFF] },
        { "socks4 without its NUL", [4, 1, 0, 80, 127, 0, 0, 1, 97], [0, 91, 0, 0, 0, 0, 0, 0] },
        { "http head cut short", "CONNECT x:1 HTTP/1.1\r\n"u8.ToArray(), "HTTP/1.1 408 Request Timeout"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(Slow))]
    public async Task a_handshake_slower_than_the_timeout_gets_the_error_reply_and_the_close(string what, byte[] send, byte[] expected)
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4, new ProxyServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        if (send.Length > 0) await s.WriteAsync(send);
        // The client never finishes: only the proxy's timeout can end this (ReadToEndAsync gives up after 10 s).
        var got = await Socks5Bytes.ReadToEndAsync(s);
        Assert.True(got.AsSpan().StartsWith(expected), $"{what}: got {Convert.ToHexString(got)}");
        Assert.Contains("within 300ms", Assert.Single(await h.EndedAsync()).Outcome);
    }

    private static Task<SockRun> Curl(params string[] args) =>
        ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", .. args], timeout: TimeSpan.FromSeconds(30));
}
