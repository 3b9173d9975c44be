using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Netcat;

/// <summary>Faults: refused, address in use (naming the holder), permission denied, peer reset, peer killed, slow reader.</summary>
public class FaultTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task no_server_is_exit_1_with_one_line(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        server.Dispose();
        if (target.Path is not null) File.Delete(target.Path);
        var run = await SockRunner.RunAsync(["connect", .. target.ConnectArgs], "");
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: connect to ", line);
        Assert.Contains(transport == Transports.Unix ? "no such socket file" : "connection refused", line);
    }

    [Fact]
    public async Task nc_refused_is_exit_1_with_one_line()
    {
        var (server, target) = Net.TestListener(Transports.Tcp4);
        server.Dispose();
        var run = await SockRunner.RunAsync(["nc", target.Host!, target.Port.ToString()], "");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("connection refused", Assert.Single(run.StderrLines));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task port_in_use_names_the_holder(string transport)
    {
        var (holder, target) = Net.TestListener(transport);
        using var _ = holder;
        var listen = target.Path is not null ? new[] { "-U", target.Path } : transport is Transports.Udp4 or Transports.Udp6
            ? ["-u", target.Host!, target.Port.ToString()] : [target.Host!, target.Port.ToString()];
        var run = await SockRunner.RunAsync(["listen", .. listen]);
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains("already in use", line);
        if (target.Path is null) Assert.Contains($"(pid {Environment.ProcessId})", line);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task a_port_below_1024_is_permission_denied_for_an_unprivileged_user(string address)
    {
        var start = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim());
        if (start <= 1)
        {
            output.WriteLine($"skipped: net.ipv4.ip_unprivileged_port_start is {start}, so every user may bind port 1");
            return;
        }
        string[] args = ["listen", address, "1"];
        (int ExitCode, string Stdout, string Stderr) run;
        if (Environment.UserName == "root")
        {
            if (!ExternalTool.Exists("setpriv"))
            {
                output.WriteLine("skipped: running as root and setpriv (util-linux) is missing, so no unprivileged user can be used");
                return;
            }
            run = await ExternalTool.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp",
                .. SockRunner.Executable, .. args]);
        }
        else
        {
            var r = await SockRunner.RunAsync(args);
            run = (r.ExitCode, r.Stdout, r.Stderr);
        }
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("permission denied", line);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_peer_reset_mid_transfer_is_exit_1_with_one_line(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        await using var sock = RunningProcess.Sock(["connect", .. target.ConnectArgs]);
        var feed = Task.Run(async () =>
        {
            var chunk = new byte[1 << 20];
            try
            {
                for (var i = 0; i < 64; i++) await sock.Stdin.WriteAsync(chunk);
                sock.CloseStdin();
            }
            catch (IOException) { }
        });
        using (var c = await server.AcceptAsync())
        {
            var buf = new byte[1 << 16];
            var got = 0;
            while (got < 1 << 20) got += await c.ReceiveAsync(buf);
            // Close with unread data (and SO_LINGER 0 over TCP): the peer sees a reset.
            c.LingerState = new LingerOption(true, 0);
            c.Close();
        }
        Assert.Equal(1, await sock.WaitForExitAsync());
        var line = Assert.Single(sock.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Matches("reset|broken pipe", line);
        await Task.WhenAny(feed, Task.Delay(5000));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_killed_peer_ends_the_session_promptly(string transport)
    {
        using var dir = new TempDirectory("sock-kill-");
        string[] ncatArgs;
        string[] connect;
        if (transport == Transports.Unix)
        {
            var path = dir.File("s.sock");
            ncatArgs = ["-v", "-lU", path];
            connect = ["-U", path];
        }
        else
        {
            var ip = transport == Transports.Tcp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            int port;
            using (var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)) { s.Bind(new IPEndPoint(ip, 0)); port = ((IPEndPoint)s.LocalEndPoint!).Port; }
            ncatArgs = ["-v", "-l", ip.ToString(), port.ToString()];
            connect = [ip.ToString(), port.ToString()];
        }
        await using var ncat = RunningProcess.Tool("ncat", false, ncatArgs);
        await Net.WaitListeningAsync(transport, transport == Transports.Unix ? 0 : int.Parse(connect[1]), transport == Transports.Unix ? connect[1] : null);
        await using var sock = RunningProcess.Sock(["connect", "-v", "-w", "5s", .. connect]);
        await sock.WaitForStderrAsync("Connected to");
        // Kill ncat only once it has accepted: a connection still in the backlog is reset, not closed.
        await ncat.WaitForStderrAsync("Connection from");
        ncat.Process.Kill();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await sock.WaitForExitAsync(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), sw.Elapsed.ToString());
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_slow_reader_stalls_sock_instead_of_growing_its_memory(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        await using var sock = RunningProcess.Sock(["connect", .. target.ConnectArgs]);
        using var c = await server.AcceptAsync();
        // The server reads nothing; sock's stdin must stop being drained (backpressure), not buffered.
        long written = 0;
        using var stop = new CancellationTokenSource();
        var feed = Task.Run(async () =>
        {
            var chunk = new byte[1 << 20];
            try
            {
                for (var i = 0; i < 64 && !stop.IsCancellationRequested; i++)
                {
                    await sock.Stdin.WriteAsync(chunk, stop.Token);
                    Interlocked.Add(ref written, chunk.Length);
                }
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        });
        await Task.Delay(1500);
        var rssKiB = long.Parse(File.ReadAllLines($"/proc/{sock.Process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        var taken = Interlocked.Read(ref written);
        output.WriteLine($"stdin taken: {taken >> 20} MiB, sock RSS {rssKiB >> 10} MiB");
        Assert.True(taken < 48L << 20, $"sock took {taken >> 20} MiB from stdin while its peer read nothing");
        Assert.True(rssKiB < 150 * 1024, $"RSS {rssKiB >> 10} MiB");
        await stop.CancelAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_stdout_that_is_not_read_stalls_the_client_instead_of_growing_memory(string transport)
    {
        using var dir = new TempDirectory("sock-nc-");
        var listen = Net.ListenArgs(transport, dir, out var path);
        // sock listen's stdout is a pipe nobody reads: it fills, and sock must stop reading the socket.
        using var sock = SockRunner.Start(["listen", "-v", .. listen]);
        try
        {
            string? line;
            while ((line = await sock.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15))) is not null && !line.StartsWith("Listening on", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            var target = Net.TargetFrom(transport, line.Split(' ')[2], path);
            using var c = await target.ConnectAsync();
            c.Blocking = false;
            long sent = 0;
            var chunk = new byte[1 << 16];
            var until = DateTime.UtcNow.AddSeconds(1.5);
            while (DateTime.UtcNow < until && sent < 64L << 20)
            {
                try { sent += c.Send(chunk); }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock) { await Task.Delay(20); }
            }
            var rssKiB = long.Parse(File.ReadAllLines($"/proc/{sock.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            output.WriteLine($"client got {sent >> 20} MiB into sock; sock RSS {rssKiB >> 10} MiB");
            Assert.True(sent < 48L << 20, $"sock took {sent >> 20} MiB while its stdout was blocked");
            Assert.True(rssKiB < 150 * 1024, $"RSS {rssKiB >> 10} MiB");
        }
        finally
        {
            sock.Kill(entireProcessTree: true);
            await sock.WaitForExitAsync();
        }
    }
}
