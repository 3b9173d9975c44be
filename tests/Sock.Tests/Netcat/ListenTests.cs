using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>sock listen with test-side clients: one client, -k, -m, --broker, --chat, --allow/--deny, -i, -e, UDP, Unix files, dual mode, signals.</summary>
public class ListenTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task one_client_both_ways_then_exit(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport);
        await using var _ = sock;
        await sock.Stdin.WriteAsync("from server\n"u8.ToArray());
        await sock.Stdin.FlushAsync();
        using var c = await target.ConnectAsync();
        await c.SendAsync("from client\n"u8.ToArray());
        c.Shutdown(SocketShutdown.Send);
        Assert.Equal("from server\n", await Net.ReadUntilAsync(c, "\n"));
        sock.CloseStdin();
        Assert.Empty(await Net.ReadToEndAsync(c));
        Assert.Equal(0, await sock.WaitForExitAsync());
        Assert.Equal("from client\n", sock.StdoutText);
        Assert.Contains(sock.StderrLines, l => l.StartsWith("Connection from", StringComparison.Ordinal));
        if (target.Path is not null) Assert.False(File.Exists(target.Path), "the socket file is removed on exit");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task one_client_listen_serves_the_first_of_two_queued_clients_and_refuses_the_second(string transport)
    {
        // Both connect before sock takes either: the second waits in the backlog, and the listening socket closes as the
        // first is admitted (ncat's one-client listen), so the second is refused, never served.
        var (sock, target) = await Net.StartListenerAsync(transport);
        await using var _ = sock;
        using var first = await target.ConnectAsync();
        // Usually the second waits in the backlog and is reset when the listener closes; if sock admitted the first
        // before the second's connect, the connect itself is refused. Either way it is never served.
        Socket? second = null;
        try { second = await target.ConnectAsync(); }
        catch (SocketException) { }
        using var _second = second;
        await sock.WaitForStderrAsync("^Connection from");
        await sock.Stdin.WriteAsync("to the one client\n"u8.ToArray());
        await sock.Stdin.FlushAsync();
        Assert.Equal("to the one client\n", await Net.ReadUntilAsync(first, "\n"));
        var heard = 0;
        if (second is not null)
        {
            try { heard = (await Net.ReadToEndAsync(second, TimeSpan.FromSeconds(10))).Length; }
            catch (SocketException) { } // reset: refused
        }
        Assert.Equal(0, heard);
        Assert.Single(sock.StderrLines, l => l.StartsWith("Connection from", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task keep_open_serves_many_clients_stdin_to_all(string engine)
    {
        var (sock, target) = await Net.StartListenerAsync(Engines.TransportOf(engine), [.. Net.EngineArgs(engine), "-k"]);
        await using var _ = sock;
        var clients = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var c = await target.ConnectAsync();
            clients.Add(c);
            await c.SendAsync(Encoding.ASCII.GetBytes($"client {i}\n"));
            await sock.WaitForStderrAsync($"client {i + 1}, {i + 1} connected");
        }
        await sock.Stdin.WriteAsync("to everyone\n"u8.ToArray());
        await sock.Stdin.FlushAsync();
        foreach (var c in clients) Assert.Equal("to everyone\n", await Net.ReadUntilAsync(c, "\n"));
        foreach (var c in clients) c.Dispose();
        await sock.WaitForStderrAsync(@"closed \(client 3\)");
        sock.Process.Kill();
        await sock.WaitForExitAsync();
        var stdout = sock.StdoutText;
        for (var i = 0; i < 3; i++) Assert.Contains($"client {i}\n", stdout);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task io_threads_chooses_the_engine_that_carries_keep_open_clients(string threads)
    {
        var (sock, target) = await Net.StartListenerAsync(Transports.Tcp4, "-k", "--io-threads", threads);
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await c.SendAsync("through the engine\n"u8.ToArray());
        await sock.WaitForStdoutAsync("through the engine\n");
        // The epoll threads exist exactly when asked for (Linux x86-64 and arm64; elsewhere .NET's engine always).
        var names = Directory.GetDirectories($"/proc/{sock.Process.Id}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToList();
        var epoll = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64
            ? int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture) : 0;
        Assert.Equal(epoll, names.Count(n => n.StartsWith("sock epoll", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("--io-threads 2 127.0.0.1 0", "only -k, --broker and --chat")]
    [InlineData("-k -c cat --io-threads 2 127.0.0.1 0", "only -k, --broker and --chat")]
    [InlineData("-k -u --io-threads 2 127.0.0.1 0", "only -k, --broker and --chat")]
    [InlineData("-k --io-threads 5000 127.0.0.1 0", "must be 0 to 1024")]
    public async Task io_threads_where_nothing_takes_it_is_a_one_line_usage_error(string args, string why)
    {
        var run = await SockRunner.RunAsync("listen " + args);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains(why, line);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task keep_open_sessions_are_recorded_with_o_and_x(string transport)
    {
        using var dir = new TempDirectory("sock-krec-");
        var raw = dir.File("raw");
        var hex = dir.File("hex");
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "-o", raw, "-x", hex);
        await using (sock)
        {
            using var c = await target.ConnectAsync();
            await c.SendAsync("in\n"u8.ToArray());
            await sock.WaitForStderrAsync("Connection from");
            for (var i = 0; i < 250 && !File.ReadAllText(raw).Contains("in\n"); i++) await Task.Delay(20);
        }
        Assert.Equal("in\n", File.ReadAllText(raw));
        Assert.StartsWith("< 00000000  69 6e 0a", File.ReadAllText(hex));
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task max_conns_closes_the_extra_client_and_reuses_a_freed_slot(string engine)
    {
        var (sock, target) = await Net.StartListenerAsync(Engines.TransportOf(engine), [.. Net.EngineArgs(engine), "-k", "-m", "1"]);
        await using var _ = sock;
        var first = await target.ConnectAsync();
        await sock.WaitForStderrAsync("client 1, 1 connected");
        using (var second = await target.ConnectAsync())
        {
            Assert.Empty(await Net.ReadToEndAsync(second));
            await sock.WaitForStderrAsync("too many connections");
        }
        first.Dispose();
        await sock.WaitForStderrAsync(@"closed \(client 1\)");
        using var third = await target.ConnectAsync();
        await sock.WaitForStderrAsync("client 2, 1 connected");
        await third.SendAsync("third\n"u8.ToArray());
        third.Shutdown(SocketShutdown.Send);
        await sock.WaitForStderrAsync(@"closed \(client 2\)");
        sock.Process.Kill();
        await sock.WaitForExitAsync();
        Assert.Equal("third\n", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task broker_relays_each_clients_data_to_the_others(string engine)
    {
        var (sock, target) = await Net.StartListenerAsync(Engines.TransportOf(engine), [.. Net.EngineArgs(engine), "--broker"]);
        await using var _ = sock;
        var a = await target.ConnectAsync();
        var b = await target.ConnectAsync();
        var c = await target.ConnectAsync();
        await sock.WaitForStderrAsync("3 connected");
        await a.SendAsync("hello from a\n"u8.ToArray());
        Assert.Equal("hello from a\n", await Net.ReadUntilAsync(b, "\n"));
        Assert.Equal("hello from a\n", await Net.ReadUntilAsync(c, "\n"));
        await c.SendAsync("and c\n"u8.ToArray());
        Assert.Equal("and c\n", await Net.ReadUntilAsync(a, "\n"));
        Assert.Equal("and c\n", await Net.ReadUntilAsync(b, "\n"));
        foreach (var s in new[] { a, b, c }) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task chat_names_clients_and_escapes_control_characters(string engine)
    {
        var (sock, target) = await Net.StartListenerAsync(Engines.TransportOf(engine), [.. Net.EngineArgs(engine), "--chat"]);
        await using var _ = sock;
        using var a = await target.ConnectAsync();
        Assert.Contains("already connected: nobody.", await Net.ReadUntilAsync(a, "\n"));
        using var b = await target.ConnectAsync();
        Assert.Contains("is connected as <user#2>.", await Net.ReadUntilAsync(a, "\n"));
        Assert.Contains("as <user#1>.", await Net.ReadUntilAsync(b, "\n"));
        await a.SendAsync("hi\u001b[31m\n"u8.ToArray());
        Assert.Equal("<user#1> hi\\x1b[31m\n", await Net.ReadUntilAsync(b, "\n"));
        b.Close();
        Assert.Equal("<announce> <user#2> is disconnected.\n", await Net.ReadUntilAsync(a, "\n"));
    }

    public static TheoryData<string, string, string, bool> AccessRules => new()
    {
        { Transports.Tcp4, "--deny", "127.0.0.1", false },
        { Transports.Tcp4, "--deny", "127.0.0.0/8", false },
        { Transports.Tcp4, "--allow", "10.0.0.0/8", false },
        { Transports.Tcp4, "--allow", "127.0.0.0/24", true },
        { Transports.Tcp6, "--deny", "::1", false },
        { Transports.Tcp6, "--deny", "::/0", false },
        { Transports.Tcp6, "--allow", "fd00::/8", false },
        { Transports.Tcp6, "--allow", "::1/128", true },
    };

    [Theory]
    [MemberData(nameof(AccessRules))]
    public async Task allow_and_deny_decide_before_any_byte_is_read(string transport, string option, string rule, bool admitted)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", option, rule);
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await c.SendAsync("data\n"u8.ToArray());
        if (admitted)
        {
            await sock.WaitForStderrAsync("1 connected");
            c.Shutdown(SocketShutdown.Send);
            await sock.WaitForStderrAsync("closed");
        }
        else
        {
            await sock.WaitForStderrAsync("denied");
            var n = 0;
            try { n = (await Net.ReadToEndAsync(c)).Length; } catch (SocketException) { }
            Assert.Equal(0, n);
        }
        sock.Process.Kill();
        await sock.WaitForExitAsync();
        Assert.Equal(admitted ? "data\n" : "", sock.StdoutText);
    }

    // IPv4-mapped entries against IPv4 peers. "tcp4" binds 127.0.0.1, where the peer shows as 127.0.0.1; "tcp6" is the
    // dual-stack [::] listener (no address given), where a client of 127.0.0.1 shows as ::ffff:127.0.0.1 and one of ::1
    // as itself.
    public static TheoryData<string, string, string, string, bool> MappedAccessRules => new()
    {
        { Transports.Tcp4, "127.0.0.1", "--deny", "::ffff:127.0.0.1", false },
        { Transports.Tcp4, "127.0.0.1", "--deny", "::ffff:0:0/96", false },
        { Transports.Tcp4, "127.0.0.1", "--allow", "::ffff:127.0.0.1", true },
        { Transports.Tcp6, "127.0.0.1", "--deny", "::ffff:0:0/96", false },
        { Transports.Tcp6, "127.0.0.1", "--deny", "::ffff:127.0.0.1", false },
        { Transports.Tcp6, "127.0.0.1", "--deny", "127.0.0.1", false },
        { Transports.Tcp6, "127.0.0.1", "--allow", "::ffff:127.0.0.0/104", true },
        { Transports.Tcp6, "::1", "--deny", "::ffff:0:0/96", true },
    };

    [Theory]
    [MemberData(nameof(MappedAccessRules))]
    public async Task ipv4_mapped_entries_match_ipv4_peers(string transport, string client, string option, string rule, bool admitted)
    {
        var bind = transport == Transports.Tcp4 ? new[] { "127.0.0.1", "0" } : ["0"];
        await using var sock = RunningProcess.Sock(["listen", "-v", "-k", option, rule, .. bind]);
        var m = await sock.WaitForStderrAsync(@"^Listening on (\S+)");
        var port = int.Parse(m.Groups[1].Value[(m.Groups[1].Value.LastIndexOf(':') + 1)..]);
        var target = new Target(client == "::1" ? Transports.Tcp6 : Transports.Tcp4, client, port, null);
        using var c = await target.ConnectAsync();
        await c.SendAsync("data\n"u8.ToArray());
        if (admitted)
        {
            await sock.WaitForStderrAsync("1 connected");
            c.Shutdown(SocketShutdown.Send);
            await sock.WaitForStderrAsync("closed");
        }
        else
        {
            await sock.WaitForStderrAsync("denied");
            var n = 0;
            try { n = (await Net.ReadToEndAsync(c)).Length; } catch (SocketException) { }
            Assert.Equal(0, n);
        }
        sock.Process.Kill();
        await sock.WaitForExitAsync();
        Assert.Equal(admitted ? "data\n" : "", sock.StdoutText);
    }

    [Theory]
    [InlineData(Transports.Tcp4, "127.0.0.1", "127.0.0.0/8")]
    [InlineData(Transports.Tcp6, "::1", "::/0")]
    public async Task deny_wins_over_allow_as_in_ncat(string transport, string allow, string deny)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "--allow", allow, "--deny", deny);
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await sock.WaitForStderrAsync("denied");
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task idle_timeout_closes_idle_clients(string engine)
    {
        var (sock, target) = await Net.StartListenerAsync(Engines.TransportOf(engine), [.. Net.EngineArgs(engine), "-k", "-i", "400ms"]);
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        var sw = Stopwatch.StartNew();
        Assert.Empty(await Net.ReadToEndAsync(c));
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 250, 5000);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task idle_timeout_ends_the_one_client_session_with_exit_1(string transport)
    {
        // ncat -l -i ends with "Idle timeout expired" and a failure status; -k (above) only closes the idle client.
        var (sock, target) = await Net.StartListenerAsync(transport, "-i", "400ms");
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        Assert.Equal(1, await sock.WaitForExitAsync(10));
        Assert.Contains(sock.StderrLines, l => l == "sock: idle timeout expired: nothing moved either way for 400ms (-i)");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task keep_open_exec_gives_each_connection_its_own_process(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "-c", "read x; echo \"$x $$ $NCAT_PROTO $NCAT_LOCAL_PORT\"");
        await using var _ = sock;
        var replies = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var c = await target.ConnectAsync();
            await c.SendAsync(Encoding.ASCII.GetBytes($"n{i}\n"));
            replies.Add(Encoding.ASCII.GetString(await Net.ReadToEndAsync(c)).Trim());
        }
        var parts = replies.Select(r => r.Split(' ')).ToList();
        Assert.Equal("n0", parts[0][0]);
        Assert.Equal("n1", parts[1][0]);
        Assert.NotEqual(parts[0][1], parts[1][1]);
        Assert.Equal(transport == Transports.Unix ? "UNIX" : "TCP", parts[0][2]);
        if (transport != Transports.Unix) Assert.Equal(target.Port.ToString(), parts[0][3]);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_listen_answers_its_peer(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport);
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await c.SendAsync("ping\n"u8.ToArray());
        await sock.WaitForStderrAsync("Connection from");
        await sock.Stdin.WriteAsync("pong\n"u8.ToArray());
        await sock.Stdin.FlushAsync();
        var buf = new byte[100];
        var n = await c.ReceiveAsync(buf).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("pong\n", Encoding.ASCII.GetString(buf, 0, n));
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_listen_runs_a_program_for_its_peer(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-c", "read x; echo \"got:$x:$NCAT_PROTO\"");
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await c.SendAsync("hi\n"u8.ToArray());
        var buf = new byte[100];
        var n = await c.ReceiveAsync(buf).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("got:hi:UDP\n", Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(0, await sock.WaitForExitAsync());
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_keep_open_runs_a_program_per_peer(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "-c", "while read x; do echo \"$$:$x:$NCAT_REMOTE_PORT\"; done");
        await using var _ = sock;
        var answers = new List<string[]>();
        for (var i = 0; i < 2; i++)
        {
            using var c = await target.ConnectAsync();
            for (var j = 0; j < 2; j++)
            {
                await c.SendAsync(Encoding.ASCII.GetBytes($"p{i}m{j}\n"));
                var buf = new byte[100];
                var n = await c.ReceiveAsync(buf).WaitAsync(TimeSpan.FromSeconds(10));
                var parts = Encoding.ASCII.GetString(buf, 0, n).Trim().Split(':');
                Assert.Equal($"p{i}m{j}", parts[1]);
                // A Unix peer has no port: NCAT_REMOTE_PORT is unset, as ncat leaves it.
                Assert.Equal(c.LocalEndPoint is IPEndPoint ip ? ip.Port.ToString() : "", parts[2]);
                answers.Add(parts);
            }
        }
        Assert.Equal(answers[0][0], answers[1][0]);   // one process per peer, kept between datagrams
        Assert.NotEqual(answers[0][0], answers[2][0]); // another peer, another process
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task udp_keep_open_answers_many_peers(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k");
        await using var _ = sock;
        var peers = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var c = await target.ConnectAsync();
            peers.Add(c);
            await c.SendAsync(Encoding.ASCII.GetBytes($"peer {i}\n"));
        }
        for (var i = 0; i < 3; i++) await sock.WaitForStderrAsync(@"Connection from .*\(UDP\)");
        while (sock.StderrLines.Count(l => l.StartsWith("Connection from", StringComparison.Ordinal)) < 3) await Task.Delay(50);
        await sock.Stdin.WriteAsync("all\n"u8.ToArray());
        await sock.Stdin.FlushAsync();
        var buf = new byte[100];
        foreach (var c in peers)
        {
            var n = await c.ReceiveAsync(buf).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("all\n", Encoding.ASCII.GetString(buf, 0, n));
            c.Dispose();
        }
        sock.Process.Kill();
        await sock.WaitForExitAsync();
        for (var i = 0; i < 3; i++) Assert.Contains($"peer {i}\n", sock.StdoutText);
    }

    [Fact]
    public async Task unix_listen_replaces_a_stale_socket_file_and_refuses_other_files()
    {
        using var dir = new TempDirectory("sock-unix-");
        var stale = dir.File("stale.sock");
        // A socket file whose process died without removing it (.NET removes its own on close; ncat killed hard does not).
        await using (var ncat = RunningProcess.Tool("ncat", false, "-lU", stale))
        {
            for (var i = 0; i < 100 && !File.Exists(stale); i++) await Task.Delay(50);
            ncat.Process.Kill();
            await ncat.WaitForExitAsync();
        }
        Assert.True(File.Exists(stale));
        await using (var sock = RunningProcess.Sock("listen", "-v", "-U", stale))
        {
            await sock.WaitForStderrAsync("Listening on");
            using var c = await new Target(Transports.Unix, null, 0, stale).ConnectAsync();
            c.Close();
            Assert.Equal(0, await sock.WaitForExitAsync());
        }
        Assert.False(File.Exists(stale), "its own socket file is removed on exit");

        var plain = dir.File("plain.txt");
        File.WriteAllText(plain, "precious");
        var run = await SockRunner.RunAsync(["listen", "-U", plain]);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains("not a socket", run.Stderr);
        Assert.Equal("precious", File.ReadAllText(plain));
    }

    [Fact]
    public async Task unix_listen_does_not_steal_a_live_socket()
    {
        var (server, target) = Net.TestListener(Transports.Unix);
        using var _ = server;
        var run = await SockRunner.RunAsync(["listen", "-U", target.Path!]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("already in use", run.Stderr);
        Assert.True(File.Exists(target.Path));
    }

    [Fact]
    public async Task wildcard_listen_takes_ipv4_and_ipv6()
    {
        var sock = RunningProcess.Sock("listen", "-v", "-k", "0");
        await using var _ = sock;
        var m = await sock.WaitForStderrAsync(@"^Listening on \[::\]:(\d+)");
        await sock.WaitForStderrAsync(@"^Listening on 0\.0\.0\.0:");
        var port = int.Parse(m.Groups[1].Value);
        using var v4 = await new Target(Transports.Tcp4, "127.0.0.1", port, null).ConnectAsync();
        using var v6 = await new Target(Transports.Tcp6, "::1", port, null).ConnectAsync();
        await sock.WaitForStderrAsync("2 connected");
    }

    public static TheoryData<string, int> Signals
    {
        get
        {
            var d = new TheoryData<string, int>();
            foreach (var t in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
                foreach (var sig in new[] { 15, 2 })
                    d.Add(t, sig);
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task a_signal_stops_accepting_closes_clients_and_removes_the_socket_file(string transport, int signal)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k");
        await using var _ = sock;
        using var c = await target.ConnectAsync();
        await sock.WaitForStderrAsync("1 connected");
        var kill = await ExternalTool.RunAsync("kill", $"-{signal}", sock.Process.Id.ToString());
        Assert.Equal(0, kill.ExitCode);
        Assert.Equal(signal == 15 ? 143 : 130, await sock.WaitForExitAsync(10));
        Assert.Empty(await Net.ReadToEndAsync(c));
        if (target.Path is not null) Assert.False(File.Exists(target.Path));
        // No longer accepting: a new connection is refused.
        await Assert.ThrowsAsync<SocketException>(() => target.ConnectAsync());
    }
}
