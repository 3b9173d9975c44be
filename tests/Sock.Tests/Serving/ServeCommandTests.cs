using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>`sock serve` run as a user runs it: a separate process, real clients (nc, ncat, sockets), signals.</summary>
public class ServeCommandTests
{
    private static async Task<Socket> ConnectAsync(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(10));
        return s;
    }

    private static async Task<(int ExitCode, string Stdout)> RunToolAsync(string tool, string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await output);
    }

    [Fact]
    public async Task help_shows_examples()
    {
        var run = await SockRunner.RunAsync("serve --help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout);
        Assert.Contains("--base", run.Stdout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("3")]
    public async Task io_threads_chooses_the_transport_and_every_choice_echoes_with_ncat(string threads)
    {
        await using var serve = await ServeProcess.StartAsync($"serve echo --tcp --port 0 --bind 127.0.0.1 --io-threads {threads}", 1);
        var port = serve.Port("echo", "tcp");
        // ncat sends its input, half-closes, and prints the echo until the server closes after it.
        var (exit, echoed) = await RunToolAsync("ncat", "through the engine\n", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, exit);
        Assert.Equal("through the engine\n", echoed);
        // The epoll threads exist exactly when asked for (Linux x86-64 and arm64).
        var names = Directory.GetDirectories($"/proc/{serve.Pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToList();
        var epoll = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64 ? int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture) : 0;
        Assert.Equal(epoll, names.Count(n => n.StartsWith("sock epoll", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("5000")]
    public async Task io_threads_out_of_range_is_a_one_line_usage_error(string threads)
    {
        var run = await SockRunner.RunAsync($"serve echo --port 0 --io-threads {threads}");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains("io-threads", line);
    }

    [Fact]
    public async Task an_unknown_service_is_a_one_line_usage_error()
    {
        var run = await SockRunner.RunAsync("serve echo gopher --port 0");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: service gopher: unknown", line);
    }

    [Fact]
    public async Task a_port_that_cannot_be_bound_is_one_line_naming_the_service_and_port()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var run = await SockRunner.RunAsync($"serve echo --port {port} --tcp --bind 127.0.0.1");
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"sock: serve echo on tcp port {port} (127.0.0.1:{port}) failed: address already in use", line);
    }

    [Fact]
    public async Task a_udp_port_in_use_fails_with_one_line_even_after_tcp_bound()
    {
        for (var attempt = 0; ; attempt++)
        {
            // A port below the ephemeral range (32768+), so no client connection of another test holds it over TCP.
            using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var port = Random.Shared.Next(20000, 30000);
            try { holder.Bind(new IPEndPoint(IPAddress.Loopback, port)); }
            catch (SocketException) when (attempt < 3) { continue; }
            var run = await SockRunner.RunAsync($"serve echo --port {port} --bind 127.0.0.1");
            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.StderrLines);
            // The same number may be a TCP port some other test's client holds just now: then try another.
            if (line.StartsWith($"sock: serve echo on tcp port {port}", StringComparison.Ordinal) && attempt < 3) continue;
            Assert.StartsWith($"sock: serve echo on udp port {port} (127.0.0.1:{port}) failed: address already in use", line);
            return;
        }
    }

    [Fact]
    public async Task several_services_listen_on_tcp_and_udp_and_standard_clients_read_them()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo daytime time --port 0 --bind 127.0.0.1", 6);
        Assert.Equal(6, serve.Listeners().Count);
        // OpenBSD nc as the echo client: -N shuts down its side at the end of its input.
        var (ncExit, echoed) = await RunToolAsync("nc.openbsd", "hello from nc\n", "-N", "127.0.0.1", serve.Port("echo", "tcp").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, ncExit);
        Assert.Equal("hello from nc\n", echoed);
        // ncat reads the daytime line and sees the server close.
        var (ncatExit, daytime) = await RunToolAsync("ncat", "", "--recv-only", "127.0.0.1", serve.Port("daytime", "tcp").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, ncatExit);
        Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r\n$", daytime);
        // RFC 868 over UDP: any datagram gets the four bytes back.
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Connect(new IPEndPoint(IPAddress.Loopback, serve.Port("time", "udp")));
        await udp.SendAsync(new byte[1]);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(4, await udp.ReceiveAsync(buffer, SocketFlags.None, cts.Token));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task rdate_reads_the_rfc_868_time(string protocol)
    {
        // rdate's -n means SNTP, not RFC 868; -p alone (-u for UDP) is the RFC 868 client.
        await using var serve = await ServeProcess.StartAsync($"serve time --port 0 --{protocol} --bind 127.0.0.1", 1);
        var args = new List<string> { "-p", "-o", serve.Port("time", protocol).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (protocol == "udp") args.Add("-u");
        args.Add("127.0.0.1");
        var (exit, stdout, stderr) = await ExternalTool.RunAsync("rdate", [.. args]);
        Assert.True(exit == 0, stderr);
        // "Sat Nov 21 06:18:11 UTC 2026": local time with the zone's abbreviation before the year.
        var words = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (words.Count == 6) words.RemoveAt(4);
        var printed = DateTime.ParseExact(string.Join(' ', words), "ddd MMM d HH:mm:ss yyyy",
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AllowWhiteSpaces);
        Assert.InRange((DateTime.Now - printed).TotalSeconds, -2, 2);
    }

    [Fact]
    public async Task base_puts_each_service_on_base_plus_its_standard_port()
    {
        // A base in the registered range whose ports are free right now; retried if another process races us to one.
        for (var attempt = 0; ; attempt++)
        {
            // Below the ephemeral range (32768+), where other tests' client connections take their ports.
            var baseport = Random.Shared.Next(20000, 30000);
            var run = SockRunner.Start(["serve", "echo", "qotd", "--base", baseport.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tcp", "--bind", "127.0.0.1"]);
            try
            {
                var first = await run.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
                if (first is not null && first.Contains("already in use", StringComparison.Ordinal) && attempt < 3) continue;
                Assert.Equal($"serving echo (RFC 862) on tcp 127.0.0.1:{baseport + 7}", first);
                Assert.Equal($"serving qotd (RFC 865) on tcp 127.0.0.1:{baseport + 17}", await run.StandardError.ReadLineAsync());
                using var client = await ConnectAsync(baseport + 17);
                var quote = await client.ReadToEndAsync();
                Assert.InRange(quote.Length, 3, 512);
                Assert.EndsWith("\r\n", Encoding.UTF8.GetString(quote));
                return;
            }
            finally
            {
                run.Kill(entireProcessTree: true);
                await run.WaitForExitAsync();
                run.Dispose();
            }
        }
    }

    [Fact]
    public async Task sigterm_during_traffic_drains_what_is_in_flight_and_exits_0()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1 --drain 5s", 1);
        var port = serve.Port("echo", "tcp");
        using var client = await ConnectAsync(port);
        var payload = RandomNumberGenerator.GetBytes(8 << 20);
        var reading = client.ReadExactlyAsync(payload.Length, TimeSpan.FromSeconds(30));
        await client.SendAllAsync(payload.AsMemory(0, payload.Length / 2));
        await serve.SignalAsync("TERM");
        await serve.WaitForStderrAsync(l => l.StartsWith("stopping: 1 connection(s) open", StringComparison.Ordinal));
        // The server no longer accepts, but the open connection is served to the end.
        await Assert.ThrowsAnyAsync<SocketException>(() => ConnectAsync(port));
        await client.SendAllAsync(payload.AsMemory(payload.Length / 2));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(payload, await reading);
        Assert.Empty(await client.ReadToEndAsync());
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task an_idle_server_stops_on_sigint_and_sigterm_with_exit_0(string signal)
    {
        await using var serve = await ServeProcess.StartAsync("serve echo daytime --port 0 --bind 127.0.0.1 -v", 4);
        await serve.SignalAsync(signal);
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("stopped", serve.StderrLines);
    }

    [Fact]
    public async Task sigusr1_prints_the_socket_table_and_verbose_logs_totals_on_close()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1 -v", 1);
        var port = serve.Port("echo", "tcp");
        using (var client = await ConnectAsync(port))
        {
            await client.SendAllAsync("table\n"u8.ToArray());
            await client.ReadExactlyAsync(6);
            await serve.SignalAsync("USR1");
            var row = await serve.WaitForStderrAsync(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+\s") && l.Contains($"127.0.0.1:{port}", StringComparison.Ordinal) && !l.Contains("LISTEN", StringComparison.Ordinal));
            // One vocabulary: the table names the state as `sock stat` (and ss) does for the same socket.
            var stat = await SockRunner.RunAsync($"stat -tanH sport = :{port}");
            Assert.Contains(stat.Stdout.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^ESTAB\s.*127\.0\.0\.1:{port}\s"));
            Assert.Matches(@"\sESTAB\s", row);
            Assert.DoesNotContain("ESTABLISHED", row);
            Assert.Contains(Sock.Core.Endpoints.EndpointText.Format(client.LocalEndPoint), row);
            Assert.Contains(serve.StderrLines, l => l.StartsWith("ID ", StringComparison.Ordinal) && l.Contains("BYTES-IN", StringComparison.Ordinal));
        }
        var closed = await serve.WaitForStderrAsync(l => l.Contains(" closed after ", StringComparison.Ordinal));
        Assert.Contains("in 6 bytes (1 recv), out 6 bytes (1 send): closed by peer", closed);
    }

    [Fact]
    public async Task without_bind_one_dual_mode_socket_takes_ipv4_and_ipv6_clients()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp", 1);
        Assert.StartsWith("[::]:", serve.Listeners()[("echo", "tcp")]);
        var port = serve.Port("echo", "tcp");
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(new IPEndPoint(address, port)).WaitAsync(TimeSpan.FromSeconds(10));
            await s.SendAllAsync("dual\n"u8.ToArray());
            Assert.Equal("dual\n", Encoding.ASCII.GetString(await s.ReadExactlyAsync(5)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("--udp")]
    public async Task a_stale_unix_socket_file_is_replaced_and_a_live_one_is_not(string udp)
    {
        using var temp = new TempDirectory("sock-serve-");
        var path = temp.File("echo.sock");
        // A process that bound the path and died without unlinking it leaves a stale socket file.
        var (exit, _) = await RunToolAsync("python3", "", "-c", $"import socket; socket.socket(socket.AF_UNIX, socket.SOCK_{(udp == "" ? "STREAM" : "DGRAM")}).bind('{path}')");
        Assert.Equal(0, exit);
        Assert.True(File.Exists(path));
        await using var serve = await ServeProcess.StartAsync($"serve echo --unix {path} {udp}", 1);
        var second = await SockRunner.RunAsync($"serve echo --unix {path} {udp}");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("address already in use", second.Stderr);
    }

    [Fact]
    public async Task hello_printing_into_a_stdout_nobody_reads_yet_holds_up_no_other_connection()
    {
        using var temp = new TempDirectory("sock-serve-");
        var output = temp.File("stdout");
        var go = temp.File("go");
        // sock's stdout is a pipe whose reader starts only once the file "go" exists: until then, once 64 KiB are in
        // it, a write() into it blocks. Printing on the engine's I/O thread would stall every connection on that thread.
        string[] prefix = ["bash", "-c", $"\"$@\" | (while [ ! -e {go} ]; do sleep 0.05; done; cat > {output})", "sh"];
        await using var serve = await ServeProcess.StartAsync("serve hello echo --port 0 --tcp --bind 127.0.0.1", 2, prefix);
        var message = new string('m', 30_000);
        for (var i = 0; i < 8; i++)
        {
            using var hello = await ConnectAsync(serve.Port("hello", "tcp"));
            await hello.SendAllAsync(Encoding.ASCII.GetBytes($"{i}{message}\n"));
            Assert.Equal("Hello from server", Encoding.ASCII.GetString(await hello.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10))));
        }
        using (var echo = await ConnectAsync(serve.Port("echo", "tcp")))
        {
            await echo.SendAllAsync("still served\n"u8.ToArray());
            Assert.Equal("still served\n", Encoding.ASCII.GetString(await echo.ReadExactlyAsync(13).WaitAsync(TimeSpan.FromSeconds(10))));
        }
        await File.WriteAllTextAsync(go, "");
        // Then every message reaches stdout whole and in order.
        string[] lines = [];
        await SmallServiceTests.WaitUntil(() => File.Exists(output) && (lines = File.ReadAllLines(output)).Length == 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"{i}{message}"), lines);
    }

    [Fact]
    public async Task a_verbose_log_into_a_stderr_nobody_reads_holds_up_no_connection()
    {
        // sock's stderr is a pipe read only for its first line (the "serving" line reaches the test), then never
        // again: once 64 KiB of "opened"/"closed" lines are in it, a write() into it blocks. Logging on the engine's
        // I/O thread would stall every connection on that thread.
        string[] prefix = ["bash", "-c", "\"$@\" 2>&1 >/dev/null | (IFS= read -r line; printf '%s\\n' \"$line\" >&2; sleep 120)", "sh"];
        await using var serve = await ServeProcess.StartAsync("serve echo -v --port 0 --tcp --bind 127.0.0.1", 1, prefix);
        var port = serve.Port("echo", "tcp");
        for (var i = 0; i < 1000; i++) // about 200 KB of log lines
        {
            using var client = await ConnectAsync(port);
            await client.SendAllAsync("x\n"u8.ToArray());
            Assert.Equal("x\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(2).WaitAsync(TimeSpan.FromSeconds(10))));
        }
    }

    [Fact]
    public async Task hello_on_a_unix_socket_prints_the_message_and_replies()
    {
        using var temp = new TempDirectory("sock-serve-");
        var path = temp.File("hello.sock");
        await using var serve = await ServeProcess.StartAsync($"serve hello --unix {path}", 1);
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await s.SendAllAsync("Hello from client"u8.ToArray());
        Assert.Equal("Hello from server", Encoding.ASCII.GetString(await s.ReadToEndAsync()));
        await SmallServiceTests.WaitUntil(() => serve.StdoutLines.Contains("Hello from client"));
        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists(path), "the socket file is removed at exit");
    }

    [Fact]
    public async Task udp_with_unix_serves_unix_datagram_sockets_that_socat_and_nc_talk_to()
    {
        using var temp = new TempDirectory("sock-serve-");
        var dir = temp.Path;
        await using var serve = await ServeProcess.StartAsync($"serve echo daytime --unix {dir} --udp", 2);
        var echoPath = Path.Combine(dir, "echo.sock");
        Assert.Equal(echoPath, serve.Listeners()[("echo", "unixgram")]);
        // socat binds a path of its own to get the reply, sends its input as one datagram and prints what comes back.
        var (socatExit, echoed) = await RunToolAsync("socat", "hello over unix datagrams\n", "-", $"UNIX-SENDTO:{echoPath},bind={Path.Combine(dir, "socat.sock")}");
        Assert.Equal(0, socatExit);
        Assert.Equal("hello over unix datagrams\n", echoed);
        // OpenBSD nc -uU binds a temporary path itself; -W 1 ends it after one datagram received.
        var (ncExit, daytime) = await RunToolAsync("nc.openbsd", "\n", "-uU", "-W", "1", Path.Combine(dir, "daytime.sock"));
        Assert.Equal(0, ncExit);
        Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r\n$", daytime);
        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists(echoPath), "the socket files are removed at exit");
        Assert.False(File.Exists(Path.Combine(dir, "daytime.sock")), "the socket files are removed at exit");
    }

    [Fact]
    public async Task unix_with_both_tcp_and_udp_is_a_one_line_usage_error()
    {
        var run = await SockRunner.RunAsync("serve echo --unix /tmp/sock-never-bound.sock --tcp --udp");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains("contradictory options", line);
        Assert.False(File.Exists("/tmp/sock-never-bound.sock"));
    }

    [Fact]
    public async Task qotd_serves_quotes_from_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "Only this one.\n%\n");
            await using var serve = await ServeProcess.StartAsync($"serve qotd --quotes {file} --port 0 --tcp --bind 127.0.0.1", 1);
            using var client = await ConnectAsync(serve.Port("qotd", "tcp"));
            Assert.Equal("Only this one.\r\n", Encoding.UTF8.GetString(await client.ReadToEndAsync()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task max_conns_refuses_the_extra_connection_and_says_so_with_v()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1 --max-conns 1 -v", 1);
        var port = serve.Port("echo", "tcp");
        using var first = await ConnectAsync(port);
        await first.SendAllAsync("1\n"u8.ToArray());
        await first.ReadExactlyAsync(2);
        using var second = await ConnectAsync(port);
        Assert.Empty(await second.ReadToEndAsync());
        await serve.WaitForStderrAsync(l => l.Contains("refused 127.0.0.1:", StringComparison.Ordinal) && l.EndsWith("connection limit (1) reached", StringComparison.Ordinal));
    }

    [Fact]
    public async Task idle_timeout_and_max_line_close_a_connection_with_the_reason_in_the_log()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1 --idle-timeout 1s --max-line 16 -v", 1);
        var port = serve.Port("echo", "tcp");
        using (var idle = await ConnectAsync(port))
            Assert.Empty(await idle.ReadToEndAsync(timeout: TimeSpan.FromSeconds(10)));
        await serve.WaitForStderrAsync(l => l.Contains(" closed after ", StringComparison.Ordinal) && l.EndsWith("idle timeout (1s)", StringComparison.Ordinal));
        using (var talker = await ConnectAsync(port))
        {
            await talker.SendAllAsync("short\n"u8.ToArray());
            Assert.Equal("short\n", Encoding.ASCII.GetString(await talker.ReadExactlyAsync(6)));
            await talker.SendAllAsync("this line is longer than sixteen bytes\n"u8.ToArray());
            try { Assert.Empty(await talker.ReadToEndAsync()); }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset) { }
        }
        await serve.WaitForStderrAsync(l => l.EndsWith("line longer than 16 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task status_with_json_prints_socket_records()
    {
        await using var serve = await ServeProcess.StartAsync("serve discard --port 0 --udp --bind 127.0.0.1 --status 200ms --json", 1);
        var status = await serve.WaitForStdoutAsync(l => l.Contains("\"event\":\"status\"", StringComparison.Ordinal));
        using var doc = System.Text.Json.JsonDocument.Parse(status);
        var socket = doc.RootElement.GetProperty("sockets").EnumerateArray().Single();
        Assert.Equal("UNCONN", socket.GetProperty("state").GetString());
        Assert.Equal("udp", socket.GetProperty("protocol").GetString());
    }

    public static TheoryData<string> JsonTransports => new() { Transports.Tcp4, Transports.Tcp6, Transports.Udp4, Transports.Udp6, Transports.Unix, Transports.UnixDatagram };

    [Theory]
    [MemberData(nameof(JsonTransports))]
    public async Task json_is_one_event_per_stdout_line_in_order(string transport)
    {
        using var dir = new TempDirectory("sock-serve-json-");
        var path = dir.File("echo.sock");
        var where = transport switch
        {
            Transports.Tcp4 => "--port 0 --tcp --bind 127.0.0.1",
            Transports.Tcp6 => "--port 0 --tcp --bind ::1",
            Transports.Udp4 => "--port 0 --udp --bind 127.0.0.1",
            Transports.Udp6 => "--port 0 --udp --bind ::1",
            Transports.Unix => $"--unix {path}",
            _ => $"--unix {path} --udp",
        };
        var datagram = transport is Transports.Udp4 or Transports.Udp6 or Transports.UnixDatagram;
        await using var serve = await ServeProcess.StartAsync($"serve echo {where} -v --status 200ms --json", 1);
        var address = serve.Listeners().Values.Single();
        EndPoint target = transport switch
        {
            Transports.Unix or Transports.UnixDatagram => new UnixDomainSocketEndPoint(path),
            _ => IPEndPoint.Parse(address),
        };
        // Two exchanges from one client; a datagram client binds an address of its own to be answered.
        using (var client = new Socket(target.AddressFamily, datagram ? SocketType.Dgram : SocketType.Stream,
            target is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : datagram ? ProtocolType.Udp : ProtocolType.Tcp))
        {
            if (transport == Transports.UnixDatagram) client.Bind(new UnixDomainSocketEndPoint(dir.File("me.sock")));
            await client.ConnectAsync(target);
            var reply = new byte[64];
            foreach (var text in new[] { "one\n", "two\n" })
            {
                await client.SendAsync(Encoding.ASCII.GetBytes(text));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                Assert.Equal(text.Length, await client.ReceiveAsync(reply, SocketFlags.None, cts.Token));
            }
            await serve.WaitForStdoutAsync(l => l.Contains(datagram ? "\"event\":\"datagrams\"" : "\"event\":\"opened\"", StringComparison.Ordinal));
        }
        if (!datagram) await serve.WaitForStdoutAsync(l => l.Contains("\"event\":\"closed\"", StringComparison.Ordinal));
        await serve.WaitForStdoutAsync(l => l.Contains("\"event\":\"status\"", StringComparison.Ordinal));
        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        // Every line of stdout is one JSON object with an event and a time; nothing else is there.
        var events = serve.StdoutLines.Select(l =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(l);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.True(doc.RootElement.TryGetProperty("time", out _), l);
            return doc.RootElement.Clone();
        }).ToList();
        Assert.Empty(serve.StderrLines);
        var names = events.Select(e => e.GetProperty("event").GetString()!).Where(n => n != "status").ToList();
        // A datagram's event is written after its reply went out, so the second one may come just before or just after
        // "stopping" (where what is left is flushed); either way it comes between serving and stopped.
        Assert.Equal(datagram ? ["serving", "stopping", "stopped"] : ["serving", "opened", "closed", "stopping", "stopped"],
            names.Where(n => n != "datagrams"));
        if (datagram) Assert.Equal("datagrams", names[1]);
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "status");
        if (datagram)
        {
            // The first exchange is logged at once, the second (within a second of it) summed up at the stop.
            var d = events.Where(e => e.GetProperty("event").GetString() == "datagrams").ToList();
            Assert.Equal(2, d.Sum(e => e.GetProperty("datagramsIn").GetInt32()));
            Assert.Equal(8, d.Sum(e => e.GetProperty("bytesOut").GetInt64()));
        }
        else
        {
            var closed = events.Single(e => e.GetProperty("event").GetString() == "closed").GetProperty("socket");
            Assert.Equal(8, closed.GetProperty("bytesIn").GetInt64());
            Assert.Equal(8, closed.GetProperty("bytesOut").GetInt64());
            Assert.Equal("ESTAB", events.Single(e => e.GetProperty("event").GetString() == "opened").GetProperty("socket").GetProperty("state").GetString());
        }
        Assert.Equal(0, events[^1].GetProperty("forced").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task verbose_logs_udp_exchanges_at_most_once_a_second_per_peer(string transport)
    {
        using var dir = new TempDirectory("sock-serve-v-");
        var path = dir.File("echo.sock");
        var where = transport switch
        {
            Transports.Udp4 => "--port 0 --udp --bind 127.0.0.1",
            Transports.Udp6 => "--port 0 --udp --bind ::1",
            _ => $"--unix {path} --udp",
        };
        await using var serve = await ServeProcess.StartAsync($"serve echo {where} -v", 1);
        EndPoint target = transport == Transports.UnixDatagram ? new UnixDomainSocketEndPoint(path) : IPEndPoint.Parse(serve.Listeners().Values.Single());
        using var client = new Socket(target.AddressFamily, SocketType.Dgram, target is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Udp);
        if (transport == Transports.UnixDatagram) client.Bind(new UnixDomainSocketEndPoint(dir.File("me.sock")));
        await client.ConnectAsync(target);
        var reply = new byte[64];
        for (var i = 0; i < 50; i++)
        {
            await client.SendAsync("ping\n"u8.ToArray());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.ReceiveAsync(reply, SocketFlags.None, cts.Token);
        }
        var peer = transport == Transports.UnixDatagram ? dir.File("me.sock") : Sock.Core.Endpoints.EndpointText.Format(client.LocalEndPoint);
        var first = await serve.WaitForStderrAsync(l => l.Contains(peer, StringComparison.Ordinal) && l.Contains("datagram", StringComparison.Ordinal));
        Assert.Equal($"echo {(transport == Transports.UnixDatagram ? "unixgram" : "udp")} {peer}: 1 datagram in (5 bytes), 1 reply (5 bytes)", first);
        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        // 50 exchanges, but far fewer lines: each line after the first sums up a second's worth (or the rest at stop).
        var lines = serve.StderrLines.Where(l => l.Contains(peer, StringComparison.Ordinal) && l.Contains(" in (", StringComparison.Ordinal)).ToList();
        var counted = lines.Sum(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @": (\d+) datagrams? in").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(50, counted);
        Assert.InRange(lines.Count, 2, 25);
    }

    [Fact]
    public async Task global_trace_shows_the_server_socket_calls()
    {
        await using var serve = await ServeProcess.StartAsync("--trace serve echo --port 0 --tcp --bind 127.0.0.1", 1);
        Assert.Contains(serve.StderrLines, l => l.Contains("listen(", StringComparison.Ordinal));
        using (var client = await ConnectAsync(serve.Port("echo", "tcp")))
        {
            await client.SendAllAsync("traced\n"u8.ToArray());
            await client.ReadExactlyAsync(7);
        }
        await serve.WaitForStderrAsync(l => l.Contains("accept(", StringComparison.Ordinal));
        await serve.WaitForStderrAsync(l => l.Contains("recv(", StringComparison.Ordinal) && l.Contains("= 7 bytes", StringComparison.Ordinal));
        await serve.WaitForStderrAsync(l => l.Contains("send(", StringComparison.Ordinal) && l.Contains("= 7", StringComparison.Ordinal));
        await serve.WaitForStderrAsync(l => l.Contains("close(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task open_descriptors_return_to_their_baseline_after_100000_connections()
    {
        // daytime: the server writes its line and closes first. The client then resets (SO_LINGER 0) instead of
        // closing, and the reset ends the server's side in FIN_WAIT2 too: no TIME_WAIT on either side, so 100,000
        // connections leave no state behind that could use up the ephemeral ports other tests connect from.
        await using var serve = await ServeProcess.StartAsync("serve daytime --port 0 --tcp --bind 127.0.0.1", 1);
        var port = serve.Port("daytime", "tcp");
        var failures = 0;
        async Task Many(int count, int parallel)
        {
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                {
                    var c = await ConnectAsync(port);
                    try
                    {
                        if (!(await c.ReadToEndAsync()).AsSpan().EndsWith("\r\n"u8)) Interlocked.Increment(ref failures);
                    }
                    finally
                    {
                        c.Close(0);
                    }
                }
            }));
        }
        await Many(200, 16); // the runtime's lazily opened descriptors (thread pool, sockets engine) are in the baseline
        await Task.Delay(200);
        var baseline = EngineDescriptors(serve);
        await Many(100_000, 32);
        Assert.Equal(0, failures);
        var deadline = Environment.TickCount64 + 10_000;
        var after = EngineDescriptors(serve);
        while (after.Count > baseline.Count && Environment.TickCount64 < deadline)
        {
            await Task.Delay(50);
            after = EngineDescriptors(serve);
        }
        var added = after.Where(kv => !baseline.TryGetValue(kv.Key, out var was) || was != kv.Value).Select(kv => $"{kv.Key} {kv.Value}");
        Assert.True(after.Count == baseline.Count, $"{baseline.Count} descriptors before, {after.Count} after: {string.Join(", ", added.Take(20))}");
    }

    /// <summary>
    /// The serve process's descriptors (sockets, pipes, epoll…), less the assembly and symbol files the runtime opens
    /// when it first needs them: those are the runtime's, not connections left open.
    /// </summary>
    private static SortedDictionary<int, string> EngineDescriptors(ServeProcess serve)
    {
        var all = serve.OpenFileDescriptorTargets();
        foreach (var fd in all.Where(kv => kv.Value.EndsWith(".dll", StringComparison.Ordinal) || kv.Value.EndsWith(".pdb", StringComparison.Ordinal)).Select(kv => kv.Key).ToList())
            all.Remove(fd);
        return all;
    }

    [Fact]
    public async Task ten_thousand_idle_connections_cost_less_than_10_KiB_each()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1", 1);
        var port = serve.Port("echo", "tcp");
        using (var warm = await ConnectAsync(port))
        {
            await warm.SendAllAsync("warm\n"u8.ToArray());
            await warm.ReadExactlyAsync(5);
        }
        await Task.Delay(300);
        var before = serve.StatusKiB("VmRSS");
        var idle = new List<Socket>();
        try
        {
            for (var wave = 0; wave < 20; wave++)
                idle.AddRange(await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => ConnectAsync(port))));
            // The last one answers, so the server has accepted them all (it accepts in order).
            await idle[^1].SendAllAsync("last\n"u8.ToArray());
            await idle[^1].ReadExactlyAsync(5);
            await Task.Delay(500);
            var perConnection = (serve.StatusKiB("VmRSS") - before) / 10_000.0;
            Assert.True(perConnection < 10, $"{perConnection:0.00} KiB of RSS per idle connection");
        }
        finally
        {
            // Reset rather than close, so 10,000 client ports are not left in TIME_WAIT for other tests.
            foreach (var s in idle) s.Close(0);
        }
    }

    [Fact]
    public async Task near_the_open_file_limit_connections_are_refused_and_the_server_survives()
    {
        // At the open-file limit the .NET runtime itself fails ("Out of memory.") and the process dies; the server
        // stops short of it, refusing the extra connections with a reason, and serves again when they are gone.
        await using var serve = await ServeProcess.StartAsync("serve echo --port 0 --tcp --bind 127.0.0.1 -v", 1, ["prlimit", "--nofile=200"]);
        var port = serve.Port("echo", "tcp");
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++) clients.Add(await ConnectAsync(port));
            await serve.WaitForStderrAsync(l => l.Contains("open-file limit nearly reached", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var c in clients) c.Close(0);
        }
        await Task.Delay(500);
        using var after = await ConnectAsync(port);
        await after.SendAllAsync("after\n"u8.ToArray());
        Assert.Equal("after\n", Encoding.ASCII.GetString(await after.ReadExactlyAsync(6)));
        Assert.DoesNotContain(serve.StderrLines, l => l.Contains("Out of memory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task discard_takes_1_GiB_with_bounded_memory()
    {
        await using var serve = await ServeProcess.StartAsync("serve discard --port 0 --tcp --bind 127.0.0.1", 1);
        using var client = await ConnectAsync(serve.Port("discard", "tcp"));
        var chunk = new byte[256 * 1024];
        await client.SendAllAsync(chunk); // warm the path up before the baseline
        await Task.Delay(200);
        var before = serve.StatusKiB("VmRSS");
        for (long sent = 0; sent < 1L << 30; sent += chunk.Length)
            await client.SendAllAsync(chunk);
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync(timeout: TimeSpan.FromSeconds(30)));
        var peak = serve.StatusKiB("VmHWM");
        Assert.True(peak - before < 32 * 1024, $"peak RSS grew {peak - before} KiB while 1 GiB was discarded");
    }
}
