using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>sock connect against test-side servers: half-close, prompt exit, -C, -o/-x, -i, -z, -q, exec, UDP.</summary>
public class ConnectTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task half_close_sends_eof_and_reads_the_whole_reply(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var payload = RandomNumberGenerator(300_000);
        var serve = Task.Run(async () =>
        {
            using var c = await server.AcceptAsync();
            var got = await Net.ReadToEndAsync(c);
            // The reply only comes after the client's EOF; it must arrive whole.
            var reply = Encoding.ASCII.GetBytes($"got {got.Length} bytes {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(got))}\n");
            await c.SendAsync(reply);
            c.Shutdown(SocketShutdown.Both);
        });
        await using var sock = RunningProcess.Sock(["connect", .. target.ConnectArgs]);
        await sock.Stdin.WriteAsync(payload);
        sock.CloseStdin();
        Assert.Equal(0, await sock.WaitForExitAsync());
        await serve;
        var expected = $"got {payload.Length} bytes {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload))}\n";
        Assert.Equal(expected, Encoding.ASCII.GetString((await sock.Stdout).Bytes));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task exits_promptly_when_the_peer_closes_even_with_stdin_open(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        await using var sock = RunningProcess.Sock(["connect", .. target.ConnectArgs]);
        using var c = await server.AcceptAsync();
        await c.SendAsync(Encoding.ASCII.GetBytes("bye\n"));
        var sw = Stopwatch.StartNew();
        c.Close();
        // stdin stays open: sock must not sit in CLOSE_WAIT waiting for it.
        Assert.Equal(0, await sock.WaitForExitAsync(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"took {sw.Elapsed}");
        Assert.Equal("bye\n", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task no_shutdown_keeps_the_write_side_open_and_q_quits_after_eof(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        await using var sock = RunningProcess.Sock(["connect", "--no-shutdown", "-q", "700ms", .. target.ConnectArgs]);
        using var c = await server.AcceptAsync();
        await sock.Stdin.WriteAsync("x"u8.ToArray());
        // The clock starts before stdin's end, which starts -q's wait: EOF cannot come sooner than 700 ms after it,
        // however late the test reads the byte.
        var sw = Stopwatch.StartNew();
        sock.CloseStdin();
        var buf = new byte[16];
        Assert.Equal(1, await c.ReceiveAsync(buf));
        // No EOF arrives while -q waits: the next read only ends when sock quits and closes.
        var n = await c.ReceiveAsync(buf).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, n);
        Assert.True(sw.Elapsed > TimeSpan.FromMilliseconds(400), $"EOF came after {sw.Elapsed}, before -q ran out");
        Assert.Equal(0, await sock.WaitForExitAsync());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task crlf_turns_lf_into_crlf(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "-C", .. target.ConnectArgs], "a\nb\r\nc\n");
        using var c = await server.AcceptAsync();
        var got = await Net.ReadToEndAsync(c);
        c.Close();
        Assert.Equal(0, (await run).ExitCode);
        Assert.Equal("a\r\nb\r\nc\r\n", Encoding.ASCII.GetString(got));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task output_and_hex_dump_record_the_session_with_direction_marks(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        using var dir = new TempDirectory("sock-rec-");
        var raw = dir.File("raw");
        var hex = dir.File("hex");
        var run = SockRunner.RunAsync(["connect", "-o", raw, "-x", hex, .. target.ConnectArgs], "ping\n");
        using var c = await server.AcceptAsync();
        await Net.ReadToEndAsync(c);
        await c.SendAsync("PONG\n"u8.ToArray());
        c.Close();
        Assert.Equal(0, (await run).ExitCode);
        Assert.Equal("ping\nPONG\n", File.ReadAllText(raw));
        var lines = File.ReadAllLines(hex);
        Assert.Contains(lines, l => l.StartsWith("> 00000000  70 69 6e 67 0a", StringComparison.Ordinal) && l.EndsWith("|ping.|", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("< 00000000  50 4f 4e 47 0a", StringComparison.Ordinal) && l.EndsWith("|PONG.|", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task idle_timeout_ends_a_silent_connection_with_exit_1(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        // sock's idle clock starts at its connect, which lies between this line and the accept below; so the clock is
        // started here, before sock exists, and bounds the idle time from below whatever the load.
        var sw = Stopwatch.StartNew();
        await using var sock = RunningProcess.Sock(["connect", "-v", "-i", "500ms", .. target.ConnectArgs]);
        using var c = await server.AcceptAsync();
        // As ncat ("Idle timeout expired", exit 1): a session that went silent did not succeed.
        Assert.Equal(1, await sock.WaitForExitAsync(10));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(500), $"exited {sw.Elapsed} after starting: before -i ran out");
        Assert.Contains(sock.StderrLines, l => l == "sock: idle timeout expired: nothing moved either way for 500ms (-i)");
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_idle_timeout_is_exit_1_while_stdin_is_open_but_after_stdin_ends_it_is_the_wait_for_replies(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        await using var silent = RunningProcess.Sock(["connect", "-i", "400ms", .. target.ConnectArgs]);
        Assert.Equal(1, await silent.WaitForExitAsync(10));
        Assert.Contains(silent.StderrLines, l => l.StartsWith("sock: idle timeout expired", StringComparison.Ordinal));
        // stdin ended: -i only says how long to wait for replies (ncat exits 0 here too).
        var done = await SockRunner.RunAsync(["connect", "-i", "400ms", .. target.ConnectArgs], "x");
        Assert.True(done.ExitCode == 0, done.ToString());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task zero_io_reports_open_and_closed(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        var open = await SockRunner.RunAsync(["connect", "-z", "-v", .. target.ConnectArgs]);
        Assert.True(open.ExitCode == 0, open.ToString());
        Assert.Contains("Connected to", open.Stderr);
        server.Dispose();
        if (target.Path is not null) File.Delete(target.Path);
        var closed = await SockRunner.RunAsync(["connect", "-z", .. target.ConnectArgs]);
        Assert.Equal(1, closed.ExitCode);
        Assert.Single(closed.StderrLines);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task zero_io_udp_refusal_names_the_address(string transport)
    {
        // A port just bound and let go: nothing listens there, so the kernel answers with ICMP port unreachable.
        var (probe, target) = Net.TestListener(transport);
        probe.Dispose();
        var run = await SockRunner.RunAsync(["connect", "-z", "-v", "-w", "2s", .. target.ConnectArgs]);
        Assert.True(run.ExitCode == 1, run.ToString());
        var address = transport == Transports.Udp6 ? $"[{target.Host}]:{target.Port}" : $"{target.Host}:{target.Port}";
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("sock: ", StringComparison.Ordinal));
        Assert.Contains(address, error);
        Assert.Contains("ICMP port unreachable", error);
        Assert.DoesNotContain(" - failed", error);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task verbose_names_both_ends(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "-v", .. target.ConnectArgs], "");
        using var c = await server.AcceptAsync();
        c.Close();
        var r = await run;
        Assert.Equal(0, r.ExitCode);
        if (target.Path is null)
            Assert.Matches(@$"Connected to \[?{System.Text.RegularExpressions.Regex.Escape(target.Host!)}\]?:{target.Port} from \S+:\d+", r.Stderr);
        else
            Assert.Contains($"Connected to {target.Path}", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task exec_runs_a_program_on_the_connection_with_ncat_variables(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "-c", "read x; echo \"$x:$NCAT_PROTO:$NCAT_REMOTE_PORT\"", .. target.ConnectArgs]);
        using var c = await server.AcceptAsync();
        await c.SendAsync("hi\n"u8.ToArray());
        var got = Encoding.ASCII.GetString(await Net.ReadToEndAsync(c));
        c.Close();
        Assert.Equal(0, (await run).ExitCode);
        var proto = transport == Transports.Unix ? "UNIX" : "TCP";
        var port = transport == Transports.Unix ? "" : target.Port.ToString();
        Assert.Equal($"hi:{proto}:{port}\n", got);
    }

    [Fact]
    public async Task a_name_with_several_addresses_is_tried_in_turn()
    {
        // "localhost" resolves to ::1 and 127.0.0.1 (order varies); only IPv4 listens.
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        var run = SockRunner.RunAsync(["connect", "-v", "localhost", target.Port.ToString()], "");
        using var c = await server.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        c.Close();
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Connected to 127.0.0.1:{target.Port}", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_sends_each_read_as_a_datagram_and_waits_for_late_replies(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var echo = Task.Run(async () =>
        {
            var buf = new byte[2048];
            System.Net.EndPoint any = target.EndPoint.AddressFamily switch
            {
                AddressFamily.InterNetworkV6 => new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Any, 0),
                AddressFamily.Unix => new UnixDomainSocketEndPoint("/"),
                _ => new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0),
            };
            var r = await server.ReceiveFromAsync(buf, any);
            // Reply late: after the client's stdin has ended.
            await Task.Delay(600);
            await server.SendToAsync(Encoding.ASCII.GetBytes("reply:" + Encoding.ASCII.GetString(buf, 0, r.ReceivedBytes)), r.RemoteEndPoint);
        });
        var run = await SockRunner.RunAsync(["connect", .. target.ConnectArgs], "question");
        await echo;
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("reply:question", run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_exec_sends_each_program_write_as_a_datagram(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = await SockRunner.RunAsync(["connect", "-c", "echo \"hello $NCAT_PROTO\"", .. target.ConnectArgs]);
        Assert.Equal(0, run.ExitCode);
        var buf = new byte[64];
        Assert.Equal("hello UDP\n", Encoding.ASCII.GetString(buf, 0, server.Receive(buf)));
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_q_quits_that_long_after_eof(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = await SockRunner.RunAsync(["connect", "-q", "300ms", .. target.ConnectArgs], "x");
        Assert.Equal(0, run.ExitCode);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(5), run.Elapsed.ToString());
        var buf = new byte[16];
        Assert.Equal(1, server.Receive(buf));
    }

    private static byte[] RandomNumberGenerator(int n) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(n);
}
