using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Tests.Support;

namespace Sock.Tests.Benchmarking;

/// <summary>sock bench as a user runs it: against ncat as a real foreign echo server, against its own server in another process.</summary>
public sealed class BenchCommandTests
{
    private static int FreePort(AddressFamily family)
    {
        using var s = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>ncat -l -k --exec /bin/cat on loopback (or a Unix path): the target words for sock bench, and the process.</summary>
    private static async Task<(string[] Target, Process Ncat, TempDirectory? Dir)> StartNcatEcho(string transport)
    {
        var psi = new ProcessStartInfo("ncat") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string[] target;
        TempDirectory? dir = null;
        EndPoint probe;
        switch (transport)
        {
            case Transports.Unix:
                dir = new TempDirectory("sock-bench-");
                var path = dir.File("echo.sock");
                foreach (var a in new[] { "-l", "-k", "-U", path, "--exec", "/bin/cat" }) psi.ArgumentList.Add(a);
                target = ["-U", path];
                probe = new UnixDomainSocketEndPoint(path);
                break;
            default:
                var v6 = transport == Transports.Tcp6;
                var port = FreePort(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
                var host = v6 ? "::1" : "127.0.0.1";
                foreach (var a in new[] { v6 ? "-6" : "-4", "-l", "-k", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--exec", "/bin/cat" }) psi.ArgumentList.Add(a);
                target = [host, port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                probe = new IPEndPoint(IPAddress.Parse(host), port);
                break;
        }
        var p = Process.Start(psi)!;
        for (var i = 0; i < 100; i++)
        {
            using var s = new Socket(probe.AddressFamily, SocketType.Stream, probe is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
            try
            {
                await s.ConnectAsync(probe);
                break;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return (target, p, dir);
    }

    private static void Stop(Process p, TempDirectory? dir)
    {
        try
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
        dir?.Dispose();
    }

    private static JsonElement Json(SockRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task echo_against_ncat_checks_every_message_and_counts_every_byte(string transport)
    {
        var (target, ncat, dir) = await StartNcatEcho(transport);
        try
        {
            var run = await SockRunner.RunAsync(["bench", "echo", .. target, "-n", "500", "-s", "100", "-d", "20s", "--json"], timeout: TimeSpan.FromSeconds(40));
            var r = Json(run);
            var totals = r.GetProperty("totals");
            Assert.Equal(500, totals.GetProperty("messages").GetInt64());
            Assert.Equal(50_000, totals.GetProperty("bytesSent").GetInt64());
            Assert.Equal(50_000, totals.GetProperty("bytesReceived").GetInt64());
            Assert.Equal(0, totals.GetProperty("mismatches").GetInt64());
            Assert.Equal(500, r.GetProperty("latency").GetProperty("count").GetInt64());
            Assert.Equal(transport, r.GetProperty("setup").GetProperty("transport").GetString());
            Assert.True(r.GetProperty("latency").GetProperty("p50Ms").GetDouble() > 0);
        }
        finally
        {
            Stop(ncat, dir);
        }
    }

    [Fact]
    public async Task pipeline_against_ncat_counts_whole_messages_and_prints_the_setup()
    {
        var (target, ncat, dir) = await StartNcatEcho(Transports.Tcp4);
        try
        {
            var run = await SockRunner.RunAsync(["bench", "pipeline", .. target, "-n", "20000", "-s", "32", "--in-flight", "16", "-d", "20s"], timeout: TimeSpan.FromSeconds(40));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Setup: pipeline to 127.0.0.1:", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("1 connection, 32 B messages, 16 in flight each, for 20s or 20000 messages", run.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"0\.00-[0-9.]+ s\s+20000\s", run.Stdout);
            Assert.DoesNotContain('\u001b', run.Stdout);
            Assert.DoesNotContain('\u001b', run.Stderr);
        }
        finally
        {
            Stop(ncat, dir);
        }
    }

    [Fact]
    public async Task a_fixed_count_run_on_a_terminal_draws_a_progress_bar_and_erases_it()
    {
        // 100 replies 5 ms apart: half a second at least, so the bar (drawn every 200 ms) shows.
        await using var peer = BenchPeer.Echo(Transports.Tcp4, delay: TimeSpan.FromMilliseconds(5));
        var ep = (IPEndPoint)peer.EndPoint;
        var sock = string.Join(' ', SockRunner.Command(["bench", "echo", "127.0.0.1", ep.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "100", "-d", "20s"]).Select(a => $"'{a}'"));
        // script(1) gives sock a pseudo-terminal for stdout and stderr, as a user's shell would.
        var run = await ProcessRunner.RunAsync(["script", "-qec", sock, "/dev/null"], timeout: TimeSpan.FromSeconds(40),
            environment: new Dictionary<string, string> { ["NO_COLOR"] = "", ["TERM"] = "xterm" });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"\r\[#*-*\]\s+\d+% of 100 messages\u001b\[K", run.Stdout);
        // Erased at the end: the last thing before the report is the erase, not the bar.
        var report = run.Stdout.IndexOf("Setup:", StringComparison.Ordinal);
        Assert.True(report > 0, run.ToString());
        Assert.EndsWith("\r\u001b[K", run.Stdout[..report].TrimEnd('\r', '\n'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_fixed_count_run_into_pipes_has_no_progress_bar()
    {
        await using var peer = BenchPeer.Echo(Transports.Tcp4, delay: TimeSpan.FromMilliseconds(5));
        var ep = (IPEndPoint)peer.EndPoint;
        var run = await SockRunner.RunAsync(["bench", "echo", "127.0.0.1", ep.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "100", "-d", "20s"],
            timeout: TimeSpan.FromSeconds(40), environment: new Dictionary<string, string> { ["NO_COLOR"] = "", ["TERM"] = "xterm" });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("% of 100", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr);
        Assert.DoesNotContain('\r', run.Stdout + run.Stderr);
    }

    [Theory]
    [InlineData("pipeline")]
    [InlineData("echo")]
    public async Task trace_shows_the_socket_calls_of_the_hot_loop(string mode)
    {
        var (target, ncat, dir) = await StartNcatEcho(Transports.Tcp4);
        try
        {
            var run = await SockRunner.RunAsync(["--trace", "bench", mode, .. target, "-n", "2000", "-d", "20s"], timeout: TimeSpan.FromSeconds(40));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains(run.StderrLines, l => l.Contains("connect(", StringComparison.Ordinal));
            Assert.Contains(run.StderrLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"send\(\d+\S*\) = \d+|send\(\d+, \d+\) = \d+"));
            Assert.Contains(run.StderrLines, l => l.Contains("recv(", StringComparison.Ordinal));
        }
        finally
        {
            Stop(ncat, dir);
        }
    }

    [Fact]
    public async Task a_refused_target_is_one_line_and_exit_1()
    {
        var port = FreePort(AddressFamily.InterNetwork);
        var run = await SockRunner.RunAsync(["bench", "echo", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", "1s"]);
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"sock: connect to 127.0.0.1:{port} failed: connection refused", line, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("connect")]
    public async Task a_refused_target_with_json_prints_a_json_error_on_stdout_too(string mode)
    {
        var port = FreePort(AddressFamily.InterNetwork).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = await SockRunner.RunAsync(["bench", mode, "127.0.0.1", port, "-d", "1s", "--json"]);
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"sock: connect to 127.0.0.1:{port} failed: connection refused", line, StringComparison.Ordinal);
        var error = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(mode, error.GetProperty("mode").GetString());
        Assert.Equal($"127.0.0.1:{port}", error.GetProperty("target").GetString());
        Assert.Equal(line["sock: ".Length..], error.GetProperty("error").GetString());
        Assert.Equal(1, error.GetProperty("exitCode").GetInt32());
    }

    [Theory]
    [InlineData("echo", "0")]
    [InlineData("echo", "-5")]
    [InlineData("udp", "0")]
    [InlineData("connect", "1.5")]
    public async Task a_count_that_is_not_a_whole_positive_number_says_not_a_count(string mode, string count)
    {
        var run = await SockRunner.RunAsync(["bench", mode, "127.0.0.1", "7", "-n", count]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains("not a count", line);
        Assert.DoesNotContain("rate", line);
    }

    [Fact]
    public async Task udp_echo_rate_is_per_second_of_sending_not_of_the_drain_after_it()
    {
        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var stop = new CancellationTokenSource();
        var responder = Sock.Tests.Scanning.UdpResponder.EchoAsync(echo, stop.Token);
        var port = ((IPEndPoint)echo.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = await SockRunner.RunAsync(["bench", "udp", "127.0.0.1", port, "--echo", "--rate", "2000", "-d", "2s", "--json"], timeout: TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var totals = Json(run).GetProperty("totals");
        var seconds = totals.GetProperty("seconds").GetDouble();
        // Sending stops at 2 s; the 0.5 s spent waiting for the last echoes afterwards is not sending time.
        Assert.InRange(seconds, 1.9, 2.45);
        var messages = totals.GetProperty("messages").GetInt64();
        Assert.Equal(Math.Round(messages / seconds, 1), totals.GetProperty("messagesPerSecond").GetDouble(), 0.5);
    }

    [Fact]
    public async Task connect_stops_at_the_deadline_even_with_a_connect_in_flight()
    {
        // A listener that never accepts: once its backlog is full, the kernel drops SYNs and a connect waits for the
        // SYN's retry (1 s, then 3 s…), far past a 1 s run.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = await SockRunner.RunAsync(["bench", "connect", "127.0.0.1", port, "-d", "1s", "--json"], timeout: TimeSpan.FromSeconds(30));
        var totals = Json(run).GetProperty("totals");
        Assert.InRange(totals.GetProperty("seconds").GetDouble(), 0.9, 1.6);
        Assert.Equal(0, totals.GetProperty("errors").GetInt64());
    }

    [Theory]
    [InlineData("bench fly 127.0.0.1 1")]
    [InlineData("bench echo 127.0.0.1")]
    [InlineData("bench echo 127.0.0.1 7 -s 0")]
    [InlineData("bench throughput 127.0.0.1 7 --histogram x.hgrm")]
    public async Task bad_usage_is_one_line_and_exit_2(string args)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", run.StderrLines[0], StringComparison.Ordinal);
    }

    /// <summary>Starts sock bench --server on a free port and returns the process and the port it printed.</summary>
    private static async Task<(Process Server, int Port)> StartServer(params string[] extra)
    {
        var (p, target) = await StartServer(Transports.Tcp4, null, extra);
        return (p, int.Parse(target[^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Starts sock bench --server over <paramref name="transport"/> (a free loopback port, or a socket file in
    /// <paramref name="dir"/>) and returns the process and the client's target words, as its listening line gives them.
    /// </summary>
    private static async Task<(Process Server, string[] Target)> StartServer(string transport, TempDirectory? dir, params string[] extra)
    {
        var path = dir?.File("bench.sock");
        string[] listen = transport switch
        {
            Transports.Unix => ["-U", path!],
            Transports.Tcp6 => ["0", "-B", "::1"],
            _ => ["0", "-B", "127.0.0.1"],
        };
        var p = SockRunner.Start(["bench", "--server", .. listen, .. extra]);
        var first = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)) ?? "";
        var m = System.Text.RegularExpressions.Regex.Match(first, @"listening on (\S+)");
        if (!m.Success)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"no listening line from sock bench --server: '{first}' {await p.StandardError.ReadToEndAsync()}");
        }
        var where = m.Groups[1].Value;
        if (transport == Transports.Unix) return (p, ["-U", where]);
        var colon = where.LastIndexOf(':');
        return (p, [where[..colon].Trim('[', ']'), where[(colon + 1)..]]);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task throughput_between_two_processes_reports_both_sides(string transport)
    {
        using var dir = transport == Transports.Unix ? new TempDirectory("sock-bench-") : null;
        var (server, target) = await StartServer(transport, dir, "--once");
        try
        {
            var run = await SockRunner.RunAsync(["bench", "throughput", .. target, "-d", "1s", "-P", "2", "--json"], timeout: TimeSpan.FromSeconds(30));
            var totals = Json(run).GetProperty("totals");
            Assert.True(totals.GetProperty("bytesSent").GetInt64() > 0);
            Assert.Equal(totals.GetProperty("bytesSent").GetInt64(), totals.GetProperty("peerBytes").GetInt64());
            Assert.True(totals.GetProperty("receiverGbps").GetDouble() > 0);
            Assert.True(server.WaitForExit(10_000), "--once server should exit after one measurement");
            var log = await server.StandardOutput.ReadToEndAsync();
            // The server's line names the transport it measured.
            Assert.Contains($": {(transport == Transports.Unix ? "unix" : "tcp")} 2 stream(s) received {totals.GetProperty("bytesSent").GetInt64()} bytes", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            server.Dispose();
        }
    }

    [Fact]
    public async Task udp_between_two_processes_reports_delivery()
    {
        var (server, port) = await StartServer("--udp", "--once");
        try
        {
            var run = await SockRunner.RunAsync(["bench", "udp", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "400", "--rate", "2000", "-s", "256", "--json"], timeout: TimeSpan.FromSeconds(30));
            var udp = Json(run).GetProperty("udp");
            Assert.Equal(400, udp.GetProperty("sent").GetInt64());
            Assert.InRange(udp.GetProperty("delivered").GetInt64(), 396, 400); // 1% tolerance for a loopback drop
            Assert.Equal("server", udp.GetProperty("measuredBy").GetString());
        }
        finally
        {
            if (!server.WaitForExit(10_000)) server.Kill(entireProcessTree: true);
            server.Dispose();
        }
    }

    [Fact]
    public async Task histogram_file_is_written_in_hdrhistogram_text_format()
    {
        var (target, ncat, dir) = await StartNcatEcho(Transports.Tcp4);
        using var hgrm = new TempDirectory("sock-hgrm-");
        var file = hgrm.File("lat.hgrm");
        try
        {
            var run = await SockRunner.RunAsync(["bench", "echo", .. target, "-n", "300", "-d", "20s", "--histogram", file], timeout: TimeSpan.FromSeconds(40));
            Assert.True(run.ExitCode == 0, run.ToString());
            var lines = await File.ReadAllLinesAsync(file);
            Assert.Matches(@"^\s+Value\s+Percentile\s+TotalCount\s+1/\(1-Percentile\)$", lines[0]);
            Assert.Contains(lines, l => l.Contains("Total count    =          300", StringComparison.Ordinal));
        }
        finally
        {
            Stop(ncat, dir);
        }
    }

    [Fact]
    public async Task help_has_examples()
    {
        var run = await SockRunner.RunAsync("bench --help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nc.openbsd")]
    [InlineData("ncat")]
    [InlineData("sock")]
    public async Task throughput_into_a_one_shot_listener_sends_the_count_on_its_one_connection(string sink)
    {
        var port = FreePort(AddressFamily.InterNetwork).ToString();
        await using var listener = sink == "sock"
            ? Sock.Tests.Netcat.RunningProcess.SockHashed("listen", "127.0.0.1", port)
            : Sock.Tests.Netcat.RunningProcess.Tool(sink, true, "-l", "127.0.0.1", port);
        // Nothing to send back: each of the three then ends when its one client leaves.
        listener.CloseStdin();
        await Sock.Tests.Netcat.Net.WaitListeningAsync(Transports.Tcp4, int.Parse(port), null);
        var run = await SockRunner.RunAsync(["bench", "throughput", "127.0.0.1", port, "-n", "4M"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(0, await listener.WaitForExitAsync(20));
        // The count, plus the one greeting line the sink took as data on the same connection.
        Assert.InRange((await listener.Stdout).Length - (4 << 20), 1, 512);
    }
}
