using System.Net.Sockets;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Proxies;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// What sock makes of each reply a proxy can give — success with the destination's first bytes in the same segment,
/// every failure code, malformed replies — against <see cref="ScriptedProxy"/>, which answers exactly as told.
/// </summary>
public sealed class ProxyReplyTests
{
    public static TheoryData<string> Tcp => new() { Transports.Tcp4, Transports.Tcp6 };

    private const string Early = "the destination's first bytes\n";

    public static TheoryData<string, string> ProtocolsOverTcp()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6 })
            foreach (var p in new[] { "socks5", "socks4", "socks4a", "http" })
                data.Add(t, p);
        return data;
    }

    private static ScriptedProxy Succeeding(string transport, string protocol) => protocol switch
    {
        "socks5" => new ScriptedProxy(transport, "socks5", ScriptedProxy.Socks5Reply(0, Early)),
        "socks4" or "socks4a" => new ScriptedProxy(transport, "socks4", ScriptedProxy.Socks4Reply(90, Early)),
        _ => new ScriptedProxy(transport, "http", Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n" + Early)),
    };

    [Theory]
    [MemberData(nameof(ProtocolsOverTcp))]
    public async Task bytes_that_come_with_the_proxys_reply_reach_stdout(string transport, string protocol)
    {
        using var proxy = Succeeding(transport, protocol);
        // socks4a is asked for a name, so the request carries it; the others get an address.
        var destination = protocol == "socks4a" ? "localhost" : "10.1.2.3";
        var run = await SockRunner.RunAsync(["connect", "--proxy", $"{protocol}://{proxy.Address}", destination, "22"], "", TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Early, run.Stdout);
    }

    [Theory]
    [MemberData(nameof(ProtocolsOverTcp))]
    public async Task a_socket_client_through_a_proxy_has_the_early_bytes_in_its_input(string transport, string protocol)
    {
        using var proxy = Succeeding(transport, protocol);
        var destination = protocol == "socks4a" ? "localhost" : "10.1.2.3";
        await using var connection = await SocketClient.ConnectAsync(destination, 22,
            new SocketClientOptions { Proxy = ProxyOptions.Parse($"{protocol}://{proxy.Address}"), ConnectTimeout = TimeSpan.FromSeconds(10) });
        var received = new List<byte>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var r = await connection.Input.ReadAsync(limit.Token);
            foreach (var segment in r.Buffer) received.AddRange(segment.ToArray());
            connection.Input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted) break;
        }
        Assert.Equal(Early, Encoding.ASCII.GetString([.. received]));
    }

    public static TheoryData<string, int> Socks5Codes()
    {
        var data = new TheoryData<string, int>();
        foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6 })
            for (var code = 1; code <= 9; code++)
                data.Add(t, code);
        return data;
    }

    private static readonly string[] Rfc1928 =
    [
        "succeeded", "general SOCKS server failure", "connection not allowed by ruleset", "network unreachable", "host unreachable",
        "connection refused", "TTL expired", "command not supported", "address type not supported", "an unassigned reply code",
    ];

    [Theory]
    [MemberData(nameof(Socks5Codes))]
    public async Task every_socks5_failure_reply_is_one_line_and_exit_1(string transport, int code)
    {
        using var proxy = new ScriptedProxy(transport, "socks5", ScriptedProxy.Socks5Reply((byte)code));
        var run = await SockRunner.RunAsync(["connect", "--proxy", proxy.Address, "--proxy-type", "socks5", "10.1.2.3", "22"], "", TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"sock: SOCKS5 proxy {proxy.Address} refused the connection to 10.1.2.3:22: {Rfc1928[code]} (reply {code})",
            Assert.Single(run.StderrLines));
    }

    public static TheoryData<string, string, string, string> OtherFailures()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6 })
        {
            data.Add(t, "socks4", "\0[\0\0\0\0\0\0", "SOCKS4 proxy {proxy} refused the connection to 10.1.2.3:22: request rejected or failed (reply 91)");
            data.Add(t, "socks4", "\0\\\0\0\0\0\0\0", "SOCKS4 proxy {proxy} refused the connection to 10.1.2.3:22: request rejected: the proxy cannot reach identd on this host (reply 92)");
            data.Add(t, "socks4", "\0]\0\0\0\0\0\0", "SOCKS4 proxy {proxy} refused the connection to 10.1.2.3:22: request rejected: identd reports another user ID (reply 93)");
            data.Add(t, "http", "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "HTTP proxy {proxy} refused the connection to 10.1.2.3:22: 403 Forbidden");
            data.Add(t, "http", "HTTP/1.0 502 Bad Gateway\r\n\r\n", "HTTP proxy {proxy} refused the connection to 10.1.2.3:22: 502 Bad Gateway");
            data.Add(t, "http", "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
                "HTTP proxy {proxy} refused the connection to 10.1.2.3:22: proxy authentication required (407): give --proxy-auth USER:PASS");
            data.Add(t, "http", "HTTP/1.1 200 OK\n\n", "HTTP proxy {proxy} sent a malformed reply: its header does not end with CRLF CRLF (a bare LF line end?)");
            data.Add(t, "http", "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "HTTP proxy {proxy} sent a malformed reply: a malformed header field: \"Bad Header\"");
            data.Add(t, "http", "HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", "HTTP proxy {proxy} sent a malformed reply: a folded header line (obsolete line folding is refused, RFC 9112 §5.2)");
            data.Add(t, "http", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP proxy {proxy} sent a malformed reply: not an HTTP/1.x status line: \"SSH-2.0-OpenSSH\"");
            data.Add(t, "http", "", "HTTP proxy {proxy}: closed the connection instead of sending its HTTP reply (is it a HTTP proxy?)");
            data.Add(t, "socks5", "HTTP/1.1 400 Bad Request\r\n\r\n", "SOCKS5 proxy {proxy} did not answer in SOCKS5: its reply starts with 'H' (an HTTP proxy? use --proxy-type http)");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OtherFailures))]
    public async Task socks4_and_http_failures_and_malformed_replies_are_one_line_and_exit_1(string transport, string protocol, string reply, string expected)
    {
        using var proxy = new ScriptedProxy(transport, protocol, Encoding.Latin1.GetBytes(reply));
        var run = await SockRunner.RunAsync(["connect", "--proxy", $"{protocol}://{proxy.Address}", "10.1.2.3", "22"], "", TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("sock: " + expected.Replace("{proxy}", proxy.Address), Assert.Single(run.StderrLines));
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task proxy_dns_says_who_resolves_the_destinations_name(string transport)
    {
        using var proxy = new ScriptedProxy(transport, "socks5", ScriptedProxy.Socks5Reply(0));
        async Task<byte[]> RequestFor(string dns)
        {
            var before = proxy.Requests.Count;
            var run = await SockRunner.RunAsync(["connect", "--proxy", $"socks5://{proxy.Address}", "--proxy-dns", dns, "localhost", "22"], "",
                TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 0, run.ToString());
            return proxy.Requests[before];
        }
        // remote (ncat's default): the name goes to the proxy, address type 3.
        Assert.Equal([5, 1, 0, 3, 9, .. "localhost"u8, 0, 22], await RequestFor("remote"));
        // local and both: sock resolves it, and sends an address (type 1, 127.0.0.1, or type 4, ::1).
        byte[] v4 = [5, 1, 0, 1, 127, 0, 0, 1, 0, 22];
        byte[] v6 = [5, 1, 0, 4, .. System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 0, 22];
        foreach (var dns in new[] { "local", "both" })
        {
            var request = await RequestFor(dns);
            Assert.True(request.SequenceEqual(v4) || request.SequenceEqual(v6),
                $"{dns}: {Convert.ToHexString(request)}");
        }
        // none: a name is a usage error before anything is sent.
        var none = await SockRunner.RunAsync(["connect", "--proxy", $"socks5://{proxy.Address}", "--proxy-dns", "none", "localhost", "22"], "",
            TimeSpan.FromSeconds(30));
        Assert.Equal(2, none.ExitCode);
        Assert.Equal("sock: destination localhost: is a name, and --proxy-dns none resolves no names: give an address", Assert.Single(none.StderrLines));
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task trace_shows_each_handshake_message_on_a_line_of_its_own(string transport)
    {
        using var proxy = new ScriptedProxy(transport, "socks5", ScriptedProxy.Socks5Reply(0, Early));
        var run = await SockRunner.RunAsync(["--trace", "connect", "--proxy", $"socks5://{proxy.Address}", "[2001:db8::1]", "22"], "", TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines;
        Assert.Contains(lines, l => l.Contains("send(", StringComparison.Ordinal) && l.EndsWith("= 3  SOCKS5 greeting: method no authentication", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("recv(", StringComparison.Ordinal) && l.EndsWith("= 2  SOCKS5 method selection: no authentication", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("send(", StringComparison.Ordinal) && l.EndsWith("= 22  SOCKS5 request: CONNECT [2001:db8::1]:22", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("recv(", StringComparison.Ordinal) && l.Contains("SOCKS5 reply: succeeded (bound 127.0.0.1:8080)", StringComparison.Ordinal));
        Assert.Equal(Early, run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task a_407_is_answered_on_a_new_connection_with_digest_preferred_to_basic(string transport)
    {
        var challenge = "HTTP/1.1 407 Proxy Authentication Required\r\n"
            + "Proxy-Authenticate: Basic realm=\"r\", Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"n1\", opaque=\"o\"\r\n"
            + "Proxy-Authenticate: Digest realm=\"r\", qop=\"auth\", algorithm=MD5, nonce=\"n2\"\r\n\r\n";
        using var proxy = new ScriptedProxy(transport, "http", n => Encoding.ASCII.GetBytes(n == 0 ? challenge : "HTTP/1.1 200 OK\r\n\r\n" + Early));
        var run = await SockRunner.RunAsync(["connect", "--proxy", proxy.Address, "--proxy-auth", "u:p", "10.1.2.3", "22"], "", TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Early, run.Stdout);
        var second = Encoding.ASCII.GetString(proxy.Requests[1]);
        Assert.DoesNotContain("Proxy-Authorization", Encoding.ASCII.GetString(proxy.Requests[0]), StringComparison.Ordinal);
        Assert.StartsWith("CONNECT 10.1.2.3:22 HTTP/1.1\r\nHost: 10.1.2.3:22\r\nProxy-Authorization: Digest username=\"u\", realm=\"r\", nonce=\"n1\", uri=\"10.1.2.3:22\", algorithm=SHA-256, response=\"",
            second, StringComparison.Ordinal);
        Assert.Contains("qop=auth, nc=00000001, cnonce=\"", second, StringComparison.Ordinal);
        Assert.Contains("opaque=\"o\"", second, StringComparison.Ordinal);
    }
}
