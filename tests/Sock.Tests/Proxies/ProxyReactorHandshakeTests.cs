using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// The common SOCKS5 handshake as the reactor reads it (no authentication, CONNECT to an address: peeked from
/// edge-triggered reads, taken off the socket only once whole): a greeting and a request that come a byte at a time are
/// answered all the same; bytes the client sends with or right after its request (even all in the greeting's own write)
/// reach the destination first and intact; the session's counts are exact. The proxy's other tests run over this path
/// too wherever they use no users and no --trace (ProxyThreadTests shows it is this path).
/// </summary>
public sealed class ProxyReactorHandshakeTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_greeting_and_a_request_that_come_a_byte_at_a_time_are_answered_and_relayed(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        if (socket.ProtocolType == ProtocolType.Tcp) socket.NoDelay = true; // each byte its own segment
        await using var s = new NetworkStream(socket);
        foreach (var b in new byte[] { 5, 2, 2, 0 }) await SendSlowlyAsync(socket, b);
        Assert.Equal(new byte[] { 5, 0 }, await Socks5Bytes.ReadAsync(s, 2));
        foreach (var b in Socks5Bytes.Request(1, h.TargetEndPoint.Address.ToString(), h.TargetEndPoint.Port)) await SendSlowlyAsync(socket, b);
        var (code, _) = await Socks5Bytes.ReadReplyAsync(s);
        Assert.Equal(0, code);
        var data = RandomNumberGenerator.GetBytes(3000);
        await socket.SendAsync(data);
        socket.Shutdown(SocketShutdown.Send);
        var back = await Socks5Bytes.ReadToEndAsync(s);
        Assert.Equal([.. data, .. "bytes=3000\n"u8], back);
        var ended = Assert.Single(await h.EndedAsync());
        Assert.False(ended.Refused, ended.Outcome);
        Assert.Equal((3000L, 3000L + 11), (ended.BytesUp, ended.BytesDown));
        Assert.Equal($"{h.TargetAddress}", ended.Destination);
    }

    public static TheoryData<string, bool> Pipelined => new()
    {
        { Transports.Tcp4, false }, { Transports.Tcp6, false }, { Transports.Unix, false },
        { Transports.Tcp4, true }, { Transports.Tcp6, true }, { Transports.Unix, true },
    };

    [Theory]
    [MemberData(nameof(Pipelined))]
    public async Task bytes_sent_with_the_request_reach_the_destination_first_and_are_counted_exactly(string transport, bool withTheGreeting)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        var early = RandomNumberGenerator.GetBytes(1500);
        var request = Socks5Bytes.Request(1, h.TargetEndPoint.Address.ToString(), h.TargetEndPoint.Port);
        if (withTheGreeting)
        {
            // Optimistic: greeting, request and data in one write, before any answer (the method is known to be none).
            await s.WriteAsync((byte[])[5, 1, 0, .. request, .. early]);
            Assert.Equal(new byte[] { 5, 0 }, await Socks5Bytes.ReadAsync(s, 2));
        }
        else
        {
            Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
            await s.WriteAsync((byte[])[.. request, .. early]);
        }
        var (code, _) = await Socks5Bytes.ReadReplyAsync(s);
        Assert.Equal(0, code);
        var late = RandomNumberGenerator.GetBytes(70_000);
        await socket.SendAsync(late);
        socket.Shutdown(SocketShutdown.Send);
        var back = await Socks5Bytes.ReadToEndAsync(s);
        byte[] sent = [.. early, .. late];
        var tail = Encoding.ASCII.GetBytes($"bytes={sent.Length}\n");
        Assert.Equal(Convert.ToHexString(SHA256.HashData([.. sent, .. tail])), Convert.ToHexString(SHA256.HashData(back)));
        var ended = Assert.Single(await h.EndedAsync());
        Assert.Equal(((long)sent.Length, (long)(sent.Length + tail.Length)), (ended.BytesUp, ended.BytesDown));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_client_that_ends_its_side_in_the_middle_of_the_greeting_is_let_go(string transport)
    {
        await using var h = await ProxyHarness.StartAsync(transport);
        using var socket = await Socks5Bytes.ConnectAsync(h.ProxyEndPoint);
        await using var s = new NetworkStream(socket);
        await s.WriteAsync(new byte[] { 5, 2, 0 }); // two methods announced, one sent
        socket.Shutdown(SocketShutdown.Send);
        Assert.Empty(await Socks5Bytes.ReadToEndAsync(s));
        var ended = Assert.Single(await h.EndedAsync());
        Assert.True(ended.Refused);
        Assert.Equal("the client closed during the handshake", ended.Outcome);
    }

    public static TheoryData<string, bool> IpAndJson => new()
    {
        { Transports.Tcp4, false }, { Transports.Tcp6, false }, { Transports.Tcp4, true }, { Transports.Tcp6, true },
    };

    [Theory]
    [MemberData(nameof(IpAndJson))]
    public async Task the_v_line_and_the_json_session_count_a_reactor_sessions_bytes_exactly(string transport, bool json)
    {
        await using var target = await ProxyHarness.StartAsync(transport);
        var loopback = transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";
        RunningProcess proxy;
        IPEndPoint address;
        if (json)
        {
            // --json says where it listens on stdout, as its first object.
            proxy = RunningProcess.Sock(["proxy", $"{loopback}:0", "-v", "--json"]);
            var first = await proxy.WaitForStdoutAsync("\n", 30);
            address = IPEndPoint.Parse(JsonDocument.Parse(first.Split('\n')[0]).RootElement.GetProperty("address").GetString()!);
        }
        else
        {
            (proxy, address) = await ProxyCommandTests.StartAsync($"{loopback}:0", "-v");
        }
        await using var _ = proxy;
        using var socket = await Socks5Bytes.ConnectAsync(address);
        await using var s = new NetworkStream(socket);
        Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
        // 500 bytes pipelined with the request, 2,000 after the reply: 2,500 up, the echo and "bytes=2500\n" down.
        await s.WriteAsync((byte[])[.. Socks5Bytes.Request(1, target.TargetEndPoint.Address.ToString(), target.TargetEndPoint.Port), .. new byte[500]]);
        Assert.Equal(0, (await Socks5Bytes.ReadReplyAsync(s)).Code);
        await socket.SendAsync(new byte[2000]);
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(2511, (await Socks5Bytes.ReadToEndAsync(s)).Length);
        if (!json)
        {
            var line = await proxy.WaitForStderrAsync(@"^#\d+ \S+ socks5 connect (\S+): up (\d+) bytes, down (\d+) bytes in \d+\.\d{3}s: closed$", 15);
            Assert.Equal((target.TargetAddress, "2500", "2511"), (line.Groups[1].Value, line.Groups[2].Value, line.Groups[3].Value));
            return;
        }
        var text = await proxy.WaitForStdoutAsync("\"event\":\"session\"", 15);
        var session = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("event").GetString() == "session").GetProperty("session");
        Assert.Equal((target.TargetAddress, 2500L, 2511L, "closed"),
            (session.GetProperty("destination").GetString(), session.GetProperty("bytesUp").GetInt64(), session.GetProperty("bytesDown").GetInt64(),
             session.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task deny_and_max_conns_close_a_client_at_accept_before_its_greeting_is_read()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        var (denying, denyAt) = await ProxyCommandTests.StartAsync("127.0.0.1:0", "-v", "--deny", "127.0.0.0/8");
        await using (denying)
        {
            Assert.Empty(await GreetAndReadAsync(denyAt));
            await denying.WaitForStderrAsync(@"^refused 127\.0\.0\.1:\d+: ", 15);
        }
        var (limited, limitAt) = await ProxyCommandTests.StartAsync("127.0.0.1:0", "-v", "--max-conns", "1");
        await using (limited)
        {
            using var first = await Socks5Bytes.ConnectAsync(limitAt);
            await using var s = new NetworkStream(first);
            Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
            Assert.Equal(0, (await Socks5Bytes.RequestAsync(s, 1, "127.0.0.1", target.TargetEndPoint.Port)).Code);
            // One session open: the next client is closed at accept, unanswered.
            Assert.Empty(await GreetAndReadAsync(limitAt));
            await limited.WaitForStderrAsync(@"connection limit \(1\) reached", 15);
            first.Shutdown(SocketShutdown.Send);
            Assert.Equal("bytes=0\n", Encoding.ASCII.GetString(await Socks5Bytes.ReadToEndAsync(s)));
        }
    }

    /// <summary>Connects, sends a greeting, and reads what comes back until the close (a reset counts as nothing).</summary>
    private static async Task<byte[]> GreetAndReadAsync(EndPoint proxy)
    {
        using var socket = await Socks5Bytes.ConnectAsync(proxy);
        await using var s = new NetworkStream(socket);
        try
        {
            await s.WriteAsync(new byte[] { 5, 1, 0 });
            return await Socks5Bytes.ReadToEndAsync(s);
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static async Task SendSlowlyAsync(Socket socket, byte b)
    {
        await socket.SendAsync(new[] { b });
        await Task.Delay(15);
    }
}
