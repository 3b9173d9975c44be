using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// `sock forward`'s options and what it prints: -m, --allow/--deny, -i, -v lines, --dump and --hex (socat -v/-x), --json
/// NDJSON, the --status table and SIGUSR1, and bad input as one line with exit 2 (a bind that fails: exit 1).
/// </summary>
public sealed class ForwardOptionTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_client_over_max_conns_is_refused_and_the_freed_slot_is_reused(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-m", "1");
        using (var first = await forward.ConnectAsync())
        {
            Assert.Equal("one\n", await EchoAsync(first, "one\n"));
            using var second = await forward.ConnectAsync();
            Assert.True(await ForwardProcess.ClosedAsync(second), "the second client was served");
            await forward.Process.WaitForStderrAsync(@"^forward: refused \S+: connection limit \(1\) reached$");
        }
        // The first gone, its slot is free again (bounded wait: the forwarder notices the close).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var again = await forward.ConnectAsync();
            string reply;
            try
            {
                await again.SendAsync("two\n"u8.ToArray());
                reply = await Net.ReadUntilAsync(again, "\n", 10);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
            {
                reply = ""; // refused still: the first's close not yet seen
            }
            if (reply == "two\n") break;
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the slot was never freed");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task a_denied_client_is_closed_before_any_byte_and_logged(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "--deny", "127.0.0.1,::1");
        using var c = await forward.ConnectAsync();
        Assert.True(await ForwardProcess.ClosedAsync(c), "a denied client was served");
        await forward.Process.WaitForStderrAsync(@"^forward: refused \S+: denied \(--allow/--deny\)$");
        Assert.Equal(0, echo.Open);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task an_idle_session_is_closed_after_the_idle_timeout_and_said_why_with_v(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-i", "2s", "-v");
        using var c = await forward.ConnectAsync();
        Assert.Equal("hi\n", await EchoAsync(c, "hi\n"));
        Assert.Empty(await Net.ReadToEndAsync(c, TimeSpan.FromSeconds(20)));
        await forward.Process.WaitForStderrAsync(@"^#1 closed \S+ -> \S+: 3 bytes to target, 3 bytes to client, [0-9.]+s: idle timeout \(2s\)$");
        await forward.Process.WaitForStderrAsync(@"^#1 opened \S+ -> \S+ \(from \S+, fd \d+\)$");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task dump_shows_each_direction_as_text_with_the_session_and_offsets(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "--dump");
        using var c = await forward.ConnectAsync();
        Assert.Equal("GET / HTTP/1.0\r\n", await EchoAsync(c, "GET / HTTP/1.0\r\n"));
        await forward.Process.WaitForStderrAsync(@"^> #1 \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}  length=16 from=0 to=15$");
        await forward.Process.WaitForStderrAsync(@"^< #1 \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}  length=16 from=0 to=15$");
        await forward.Process.WaitForStderrAsync(@"^GET / HTTP/1\.0\\r$");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task hex_to_a_dump_file_shows_a_hex_dump_of_each_direction(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        var file = dir.File("dump.txt");
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "--hex", "--dump-file", file);
        using var c = await forward.ConnectAsync();
        Assert.Equal("ping\n", await EchoAsync(c, "ping\n"));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string text;
        do
        {
            await Task.Delay(50);
            text = File.Exists(file) ? await File.ReadAllTextAsync(file) : "";
        }
        while (!text.Contains("< #1", StringComparison.Ordinal) && sw.Elapsed < TimeSpan.FromSeconds(20));
        Assert.Contains(" 00000000  70 69 6e 67 0a", text, StringComparison.Ordinal);
        Assert.Contains("|ping.|", text, StringComparison.Ordinal);
        Assert.Contains("> #1 ", text, StringComparison.Ordinal);
        Assert.Contains("< #1 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain(forward.Process.StderrLines, l => l.Contains("ping", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task json_is_one_event_per_line_with_each_sessions_records_and_counts(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        var p = RunningProcess.Sock("forward", "--json", ForwardPeers.ListenSpelling(transport, dir), echo.Spelling);
        await using var _ = p;
        var listening = await p.WaitForStdoutAsync("\"event\":\"listening\"");
        var first = JsonDocument.Parse(listening.Split('\n')[0]).RootElement;
        var address = first.GetProperty("address").GetString()!;
        EndPoint bound = transport == Transports.Unix ? new UnixDomainSocketEndPoint(address)
            : new IPEndPoint(transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, int.Parse(address[(address.LastIndexOf(':') + 1)..]));
        using (var c = new Socket(bound.AddressFamily, SocketType.Stream, bound is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp))
        {
            await c.ConnectAsync(bound);
            Assert.Equal("json\n", await EchoAsync(c, "json\n"));
            c.Shutdown(SocketShutdown.Send);
            await Net.ReadToEndAsync(c, TimeSpan.FromSeconds(20));
        }
        var all = await p.WaitForStdoutAsync("\"event\":\"closed\"");
        // The marker can arrive before the rest of its line (a long line comes in more than one read): wait for its end.
        for (var i = 0; i < 100 && !all.EndsWith('\n'); i++)
        {
            await Task.Delay(100);
            all = await p.WaitForStdoutAsync("\"event\":\"closed\"");
        }
        var events = all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["listening", "opened", "closed"], events.Select(e => e.GetProperty("event").GetString()));
        var closed = events[2];
        Assert.Equal(5, closed.GetProperty("bytesToTarget").GetInt64());
        Assert.Equal(5, closed.GetProperty("bytesToClient").GetInt64());
        Assert.Equal("closed by client", closed.GetProperty("reason").GetString());
        Assert.Equal(5, closed.GetProperty("clientSocket").GetProperty("bytesIn").GetInt64());
        Assert.Equal(5, closed.GetProperty("targetSocket").GetProperty("bytesOut").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task status_and_sigusr1_print_the_table_of_open_sessions_with_both_legs(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-opt-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "--status", "1h");
        using var c = await forward.ConnectAsync();
        Assert.Equal("abc\n", await EchoAsync(c, "abc\n"));
        forward.Signal("USR1");
        await forward.Process.WaitForStderrAsync(@"^sessions at \d\d:\d\d:\d\d: 1$");
        await forward.Process.WaitForStderrAsync(@"^ID +CLIENT +C-FD +C-STATE +VIA +TARGET +T-FD +T-STATE +TO-TARGET +TO-CLIENT +AGE +IDLE$");
        await forward.Process.WaitForStderrAsync(@"^1 +\S+ +\d+ +ESTAB +\S+ +\S+ +\d+ +ESTAB +4 +4 ");
    }

    [Theory]
    [InlineData("forward 0 udp:127.0.0.1:53", "UDP forwards to UDP only")]
    [InlineData("forward 0 127.0.0.1:0", "port")]
    [InlineData("forward 0 127.0.0.1:80 --cert x.pem", "--cert: applies to a TLS listener")]
    [InlineData("forward 0 127.0.0.1:80 --insecure", "--insecure: applies to a TLS target")]
    [InlineData("forward 0 127.0.0.1:80 --udp-idle 5s", "--udp-idle: applies to UDP forwarding only")]
    [InlineData("forward 0 127.0.0.1:80 --retry-delay 1s", "--retry-delay: needs --retry N or --forever")]
    [InlineData("forward 0 127.0.0.1:80 --retry -1", "must be 0 or more")]
    [InlineData("forward 0 127.0.0.1:80 --dump --hex", "contradictory")]
    [InlineData("forward sctp:1.2.3.4:5 127.0.0.1:80", "unknown scheme")]
    [InlineData("forward 0 ::1:80", "brackets")]
    [InlineData("forward tls:0 127.0.0.1:80 --key k.pem", "--key: needs --cert")]
    [InlineData("forward 0 unix:/tmp/sock-no-such.sock --proxy 127.0.0.1:1080", "proxies carry TCP connections, not Unix sockets")]
    [InlineData("forward udp:0 udp:127.0.0.1:53 --proxy 127.0.0.1:1080", "proxies carry TCP connections, not UDP")]
    [InlineData("forward 0 127.0.0.1:80 --proxy-type socks5", "needs --proxy")]
    [InlineData("forward udp:0 udp:127.0.0.1:53 --nagle", "--nagle: applies to stream forwarding")]
    [InlineData("forward udp:0 udp:127.0.0.1:53 --nodelay", "--nodelay: applies to stream forwarding")]
    [InlineData("forward udp:0 udp:127.0.0.1:53 --keepalive", "--keepalive: applies to stream forwarding")]
    [InlineData("forward udp:0 udp:127.0.0.1:53 --no-splice", "--no-splice: applies to stream forwarding")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string why)
    {
        Assert.Contains(why, await SockRunner.UsageErrorAsync(args), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_bind_that_fails_is_one_line_and_exit_1()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var r = await SockRunner.RunAsync($"forward 127.0.0.1:{port} 127.0.0.1:9");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith($"sock: forward: bind 127.0.0.1:{port} failed: address already in use", line);
    }

    private static async Task<string> EchoAsync(Socket c, string text)
    {
        await c.SendAsync(Encoding.ASCII.GetBytes(text));
        return await Net.ReadUntilAsync(c, text[^1..], 20);
    }
}
