using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// `sock proxy` as a user runs it: the -v line per session, --json NDJSON, the session table on SIGUSR1, the drain on
/// SIGTERM, a Unix socket listener, and bad input as one line and exit 2.
/// </summary>
public sealed class ProxyCommandTests
{
    /// <summary>Starts `sock proxy` on <paramref name="listen"/> with <paramref name="extra"/>; returns it and its address.</summary>
    internal static async Task<(RunningProcess Proxy, IPEndPoint Address)> StartAsync(string listen, params string[] extra)
    {
        var p = RunningProcess.Sock(["proxy", listen, .. extra]);
        try
        {
            var m = await p.WaitForStderrAsync(@"listening on (\S+)$", 30);
            return (p, IPEndPoint.Parse(m.Groups[1].Value));
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
    }

    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    private static string Loopback(string transport) => transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task verbose_logs_one_line_per_session_with_client_user_destination_bytes_and_duration(string transport)
    {
        await using var target = await ProxyHarness.StartAsync(transport);
        using var dir = new TempDirectory("sock-proxy-users-");
        var users = dir.File("users");
        await File.WriteAllTextAsync(users, "# who may use it\nbob:secret\n");
        var (proxy, address) = await StartAsync($"{Loopback(transport)}:0", "-v", "--users", users);
        await using var _ = proxy;
        var r = await ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", "--socks5-hostname", $"bob:secret@{Loopback(transport)}:{address.Port}", $"http://{target.TargetAddress}/logged"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var line = await proxy.WaitForStderrAsync(@"^#\d+ (\S+) socks5 user bob connect (\S+)(?: -> \S+)?: up (\d+) bytes, down (\d+) bytes in \d+\.\d{3}s: closed$");
        Assert.Equal(target.TargetAddress, line.Groups[2].Value);
        Assert.True(long.Parse(line.Groups[3].Value) > 0 && long.Parse(line.Groups[4].Value) > 0, line.Value);
    }

    [Fact]
    public async Task json_prints_listening_and_each_session_as_one_object_a_line()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        var p = RunningProcess.Sock(["proxy", "127.0.0.1:0", "--json", "-v", "--deny-dest", "10.0.0.0/8"]);
        await using var _ = p;
        var first = await p.WaitForStdoutAsync("\n", 30);
        var listening = JsonDocument.Parse(first.Split('\n')[0]).RootElement;
        Assert.Equal("listening", listening.GetProperty("event").GetString());
        var port = IPEndPoint.Parse(listening.GetProperty("address").GetString()!).Port;
        var r = await ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", "-x", $"http://127.0.0.1:{port}", "http://10.1.2.3/"]);
        Assert.Contains("403", (await ProcessRunner.RunAsync(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", "-x", $"http://127.0.0.1:{port}", "http://10.1.2.3/"])).Stdout);
        var text = await p.WaitForStdoutAsync("\"refused\":true", 15);
        var session = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("event").GetString() == "session").GetProperty("session");
        Assert.Equal("http", session.GetProperty("protocol").GetString());
        Assert.Equal("10.1.2.3:80", session.GetProperty("destination").GetString());
        Assert.Equal("denied by --deny-dest 10.0.0.0/8", session.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task sigusr1_prints_the_open_sessions_and_sigterm_drains_them()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        var (proxy, address) = await StartAsync("127.0.0.1:0", "--drain", "20s");
        await using var _ = proxy;
        using var socket = await Socks5Bytes.ConnectAsync(address);
        await using var s = new NetworkStream(socket);
        await Socks5Bytes.GreetAsync(s);
        Assert.Equal(0, (await Socks5Bytes.RequestAsync(s, 1, "127.0.0.1", target.TargetEndPoint.Port)).Code);
        await s.WriteAsync("before the signal\n"u8.ToArray());

        Assert.Equal(0, (await ProcessRunner.RunAsync(["kill", "-USR1", $"{proxy.Process.Id}"])).ExitCode);
        await proxy.WaitForStderrAsync(@"^sessions at \d\d:\d\d:\d\d: 1");
        await proxy.WaitForStderrAsync($@"socks5 .*connect +127\.0\.0\.1:{target.TargetEndPoint.Port}");

        // SIGTERM: no new clients, but the open session runs on until it ends.
        Assert.Equal(0, (await ProcessRunner.RunAsync(["kill", "-TERM", $"{proxy.Process.Id}"])).ExitCode);
        await proxy.WaitForStderrAsync("^stopping: 1 session");
        await s.WriteAsync("after it\n"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        var back = Encoding.ASCII.GetString(await Socks5Bytes.ReadToEndAsync(s));
        Assert.Equal("before the signal\nafter it\nbytes=27\n", back);
        Assert.Equal(0, await proxy.WaitForExitAsync());
    }

    [Fact]
    public async Task a_unix_socket_listener_serves_socks5()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        using var dir = new TempDirectory("sock-proxy-unix-");
        var path = dir.File("proxy.sock");
        var p = RunningProcess.Sock(["proxy", "-U", path, "-v"]);
        await using var _ = p;
        await p.WaitForStderrAsync("listening on " + Regex(path));
        using var socket = await Socks5Bytes.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await using var s = new NetworkStream(socket);
        await Socks5Bytes.GreetAsync(s);
        Assert.Equal(0, (await Socks5Bytes.RequestAsync(s, 1, "127.0.0.1", target.TargetEndPoint.Port)).Code);
        await s.WriteAsync("over unix\n"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("over unix\nbytes=10\n", Encoding.ASCII.GetString(await Socks5Bytes.ReadToEndAsync(s)));
    }

    private static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);

    [Theory]
    [InlineData("proxy 70000", "port")]
    [InlineData("proxy 1080 --dest-default maybe", "--dest-default maybe")]
    [InlineData("proxy 1080 --allow-dest 10.0.0.0/99", "not a CIDR range")]
    [InlineData("proxy 1080 --deny-dest example.org:0", "port")]
    [InlineData("proxy 1080 --protocols gopher", "--protocols gopher")]
    [InlineData("proxy 1080 --users /nonexistent/users", "/nonexistent/users")]
    [InlineData("proxy 1080 --http-digest", "needs --users")]
    [InlineData("proxy 1080 --handshake-timeout 0", "handshake timeout")]
    [InlineData("proxy 10.0.0.1.2:1080", "address")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string mentions)
    {
        Assert.Contains(mentions, await SockRunner.UsageErrorAsync(args));
    }
}
