using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>The global --trace: every socket command logs its calls to stderr as BSD calls, and stdout stays clean.</summary>
public class TraceOptionTests
{
    private static (Socket Listener, int Port) EchoOnce()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _ = Task.Run(async () =>
        {
            using var c = await listener.AcceptAsync();
            var buffer = new byte[1024];
            int n;
            while ((n = await c.ReceiveAsync(buffer)) > 0) await c.SendAsync(buffer.AsMemory(0, n));
            c.Shutdown(SocketShutdown.Send);
        });
        return (listener, ((IPEndPoint)listener.LocalEndPoint!).Port);
    }

    [Fact]
    public async Task connect_traces_socket_connect_send_recv_shutdown_close_in_order()
    {
        var (listener, port) = EchoOnce();
        using var _ = listener;
        var run = await SockRunner.RunAsync(["--trace", "connect", "127.0.0.1", port.ToString()], "hello\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello\n", run.Stdout);
        var calls = run.StderrLines.Where(l => l.StartsWith('+')).Select(l => Regex.Replace(l, @"^\+\d+\.\d{3}ms ", "")).ToList();
        string[] expected = ["socket(AF_INET, SOCK_STREAM", "connect(", "send(", "shutdown(", "close("];
        var at = expected.Select(e => calls.FindIndex(c => c.StartsWith(e, StringComparison.Ordinal))).ToList();
        Assert.All(at, i => Assert.True(i >= 0, string.Join('\n', calls)));
        Assert.Equal(at.Order(), at);
    }

    [Fact]
    public async Task stat_traces_the_netlink_socket_calls_strace_sees()
    {
        // A listener of our own, so the tcp4 dump has at least one row to carry.
        var (listener, _) = EchoOnce();
        using var __ = listener;
        using var dir = new TempDirectory("sock-trace-stat-");
        var straceLog = dir.File("strace.log");
        var withStrace = ExternalTool.Exists("strace");
        string[] prefix = withStrace ? ["strace", "-f", "-qq", "-e", "trace=socket,sendto,recvfrom", "-o", straceLog] : [];
        var run = await ProcessRunner.RunAsync(SockRunner.Command(["--trace", "stat", "-tan"], prefix));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("NETLINK", run.Stdout);
        var calls = run.StderrLines.Where(l => l.StartsWith('+')).Select(l => Regex.Replace(l, @"^\+\d+\.\d{3}ms ", "")).ToList();
        var open = calls.Select(c => Regex.Match(c, @"^socket\(AF_NETLINK, SOCK_RAW\|SOCK_CLOEXEC, NETLINK_SOCK_DIAG\) = (\d+)$")).Single(m => m.Success);
        var fd = open.Groups[1].Value;
        string[] expected = [$"sendto({fd}, ", $"recvfrom({fd}) = ", $"close({fd})"];
        var at = expected.Select(e => calls.FindIndex(c => c.StartsWith(e, StringComparison.Ordinal))).ToList();
        Assert.All(at, i => Assert.True(i > calls.IndexOf(open.Value), string.Join('\n', calls)));
        Assert.Equal(at.Order(), at);
        // -t with IPv4 and IPv6: one dump request each.
        Assert.Contains($"sendto({fd}, 72, kernel: inet_diag dump of tcp4) = 72", calls);
        Assert.Contains($"sendto({fd}, 72, kernel: inet_diag dump of tcp6) = 72", calls);
        if (!withStrace) return;
        // The calls traced are the calls made: strace sees the same socket, and as many requests sent on it.
        var seen = File.ReadAllLines(straceLog);
        Assert.Contains(seen, l => Regex.IsMatch(l, $@"socket\(AF_NETLINK, SOCK_RAW\|SOCK_CLOEXEC, NETLINK_SOCK_DIAG\) = {fd}$"));
        Assert.Equal(calls.Count(c => c.StartsWith($"sendto({fd}, ", StringComparison.Ordinal)), seen.Count(l => Regex.IsMatch(l, $@"sendto\({fd}, ")));
    }

    [Fact]
    public async Task scan_traces_its_connects()
    {
        var (listener, port) = EchoOnce();
        using var _ = listener;
        var run = await SockRunner.RunAsync(["--trace", "scan", "127.0.0.1", "-p", port.ToString()]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StderrLines, l => Regex.IsMatch(l, $@"^\+\d+\.\d{{3}}ms connect\(\d+, 127\.0\.0\.1:{port}\) = 0"));
        Assert.DoesNotContain("ms connect(", run.Stdout);
    }

    [Fact]
    public async Task without_trace_nothing_is_traced()
    {
        var (listener, port) = EchoOnce();
        using var _ = listener;
        var run = await SockRunner.RunAsync(["connect", "127.0.0.1", port.ToString()], "x");
        Assert.DoesNotContain(run.StderrLines, l => Regex.IsMatch(l, @"^\+\d+\.\d{3}ms "));
    }

    [Fact]
    public async Task connect_zero_io_is_the_scanners_one_port_probe_and_traces_it()
    {
        var (listener, port) = EchoOnce();
        using var _ = listener;
        var run = await SockRunner.RunAsync(["--trace", "connect", "-z", "-v", "127.0.0.1", port.ToString()]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StderrLines, l => l == $"Connected to 127.0.0.1:{port}");
        // The scanner's probe: a non-blocking socket, connected and closed, no data.
        Assert.Contains(run.StderrLines, l => Regex.IsMatch(l, $@"ms connect\(\d+, 127\.0\.0\.1:{port}\) = 0"));
        Assert.DoesNotContain(run.StderrLines, l => Regex.IsMatch(l, @"ms (send|recv)\("));
    }
}
