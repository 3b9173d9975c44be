using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// Where scripts written for ncat met a different sock (issue 20): the allow/deny rule, host files, -m 0, -z over UDP,
/// -s for a Unix datagram client, the broker's stdin, chat joins. Where ncat can be asked the same question, the same
/// test body runs against ncat too, so the expectation is ncat's observed behaviour, not a reading of its manual.
/// </summary>
public class NcatParityTests
{
    public static TheoryData<string> Tools => new() { "sock", "ncat" };

    /// <summary>A listener on a free loopback port: `sock listen -v …` or `ncat -l -v …`, once it says it listens.</summary>
    private static async Task<(RunningProcess Listener, int Port)> ListenAsync(string tool, params string[] options)
    {
        var port = TlsConnectTests.FreePort(AddressFamily.InterNetwork);
        var p = tool == "sock"
            ? RunningProcess.Sock(["listen", "-v", .. options, "127.0.0.1", port.ToString()])
            : RunningProcess.Tool("ncat", false, ["-l", "-v", .. options, "127.0.0.1", port.ToString()]);
        try
        {
            await p.WaitForStderrAsync("Listening on");
            return (p, port);
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
    }

    /// <summary>What arrives on <paramref name="s"/> within <paramref name="wait"/>, or "" if nothing does.</summary>
    private static async Task<string> TryReadAsync(Socket s, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        var buf = new byte[4096];
        try
        {
            var n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            return System.Text.Encoding.UTF8.GetString(buf, 0, n);
        }
        catch (OperationCanceledException)
        {
            return "";
        }
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        return s;
    }

    /// <summary>What a refused client sees: nothing but the end (EOF or a reset), never data, and soon.</summary>
    private static async Task AssertClosedWithoutDataAsync(Socket c)
    {
        await c.SendAsync("data\n"u8.ToArray());
        var n = 0;
        try { n = (await Net.ReadToEndAsync(c, TimeSpan.FromSeconds(10))).Length; }
        catch (SocketException) { }
        Assert.Equal(0, n);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task a_peer_on_both_the_allow_and_the_deny_list_is_denied(string tool)
    {
        var (listener, port) = await ListenAsync(tool, "-k", "--allow", "127.0.0.1", "--deny", "127.0.0.1");
        await using var _ = listener;
        using var c = await ConnectAsync(port);
        await AssertClosedWithoutDataAsync(c);
        await listener.WaitForStderrAsync("denied");
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task a_host_file_line_may_hold_several_entries(string tool)
    {
        using var dir = new TempDirectory("sock-hosts-");
        var file = dir.File("deny.txt");
        // 192.0.2.1 is TEST-NET-1: only ever a list entry here, never a destination.
        await File.WriteAllTextAsync(file, "192.0.2.1 127.0.0.1\n\n::2\t::3\n");
        var (listener, port) = await ListenAsync(tool, "-k", "--denyfile", file);
        await using var _ = listener;
        using var c = await ConnectAsync(port);
        await AssertClosedWithoutDataAsync(c);
        await listener.WaitForStderrAsync("denied");
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task max_conns_0_is_accepted_and_admits_nobody(string tool)
    {
        var (listener, port) = await ListenAsync(tool, "-k", "-m", "0");
        await using var _ = listener;
        using var c = await ConnectAsync(port);
        await AssertClosedWithoutDataAsync(c);
        await listener.WaitForStderrAsync(@"connection limit reached \(0\)|too many connections \(-m 0\)");
        Assert.False(listener.Process.HasExited);
    }

    [Fact]
    public async Task max_conns_0_keeps_a_one_client_listener_waiting()
    {
        var (listener, port) = await ListenAsync("sock", "-m", "0");
        await using var _ = listener;
        using var c = await ConnectAsync(port);
        await AssertClosedWithoutDataAsync(c);
        await listener.WaitForStderrAsync(@"too many connections \(-m 0\)");
        Assert.False(listener.Process.HasExited);
    }

    public static TheoryData<string, string> ToolsByDatagram => new()
    {
        { "sock", Transports.Udp4 }, { "sock", Transports.Udp6 }, { "ncat", Transports.Udp4 }, { "ncat", Transports.Udp6 },
    };

    [Theory]
    [MemberData(nameof(ToolsByDatagram))]
    public async Task zero_io_over_udp_sends_one_nul_byte(string tool, string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        var run = tool == "sock"
            ? await SockRunner.RunAsync(["connect", "-z", "-w", "300ms", .. target.ConnectArgs])
            : await ProcessRunner.RunAsync(["ncat", "-z", "-u", "-w", "1", target.Host!, target.Port.ToString()], timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        var buf = new byte[16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var n = await server.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        Assert.Equal([0], buf[..n]);
    }

    [Fact]
    public async Task a_unix_datagram_client_binds_the_path_given_with_s_and_gets_replies_there()
    {
        using var dir = new TempDirectory("sock-dgram-");
        var serverPath = dir.File("srv.sock");
        var own = dir.File("me.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(serverPath));
        var answer = Task.Run(async () =>
        {
            var buf = new byte[64];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var r = await server.ReceiveFromAsync(buf, SocketFlags.None, new UnixDomainSocketEndPoint(dir.File("any")), cts.Token);
            await server.SendToAsync("pong"u8.ToArray(), SocketFlags.None, r.RemoteEndPoint);
            return r.RemoteEndPoint.ToString();
        });
        var run = await SockRunner.RunAsync(["connect", "-u", "-U", serverPath, "-s", own, "-q", "1s"], "ping");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(own, await answer);
        Assert.Equal("pong", run.Stdout);
        Assert.False(File.Exists(own), "sock leaves its own socket file behind");
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task the_brokers_stdin_goes_to_every_client(string tool)
    {
        var (listener, port) = await ListenAsync(tool, "--broker");
        await using var _ = listener;
        using var a = await ConnectAsync(port);
        using var b = await ConnectAsync(port);
        // Both are in once one hears the other. sock accepts b and reads a on different threads, so on a busy machine a's
        // first line can be relayed before b has joined (ncat's one loop accepts first): a says it again until b hears it.
        var heard = "";
        for (var i = 0; i < 40 && heard.Length == 0; i++)
        {
            await a.SendAsync("from a\n"u8.ToArray());
            heard = await TryReadAsync(b, TimeSpan.FromMilliseconds(500));
        }
        Assert.StartsWith("from a\n", heard);
        await listener.Stdin.WriteAsync("from stdin\n"u8.ToArray());
        await listener.Stdin.FlushAsync();
        Assert.Equal("from stdin\n", await Net.ReadUntilAsync(a, "\n"));
        // b may still have a's later lines ahead of it: nothing but those, then stdin's.
        var rest = heard + await Net.ReadUntilAsync(b, "from stdin\n");
        Assert.Matches("^(from a\n)+from stdin\n$", rest);
    }

    [Fact]
    public async Task the_chat_servers_stdin_speaks_as_user_0()
    {
        var (listener, port) = await ListenAsync("sock", "--chat");
        await using var _ = listener;
        using var a = await ConnectAsync(port);
        Assert.Contains("already connected: nobody.", await Net.ReadUntilAsync(a, "\n"));
        await listener.Stdin.WriteAsync("hello\u0007\n"u8.ToArray());
        await listener.Stdin.FlushAsync();
        Assert.Equal("<user#0> hello\\x07\n", await Net.ReadUntilAsync(a, "\n"));
    }

    [Theory]
    [InlineData("listen", "--broker", "--recv-only", "9000")]
    [InlineData("listen", "--chat", "--send-only", "9000")]
    [InlineData("nc", "--broker", "--recv-only", "9000")]
    [InlineData("nc", "-l", "--chat", "--send-only")]
    public async Task a_broker_with_recv_only_or_send_only_is_a_usage_error(params string[] args)
    {
        var r = await SockRunner.RunAsync(args);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Matches("--recv-only|--send-only", line);
    }

    [Fact]
    public async Task clients_joining_a_chat_at_once_each_hear_of_every_other_once()
    {
        const int clients = 8;
        var (listener, port) = await ListenAsync("sock", "--chat");
        await using var _ = listener;
        var sockets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => ConnectAsync(port)));
        try
        {
            var heard = await Task.WhenAll(sockets.Select(s => HearOthersAsync(s, clients - 1)));
            foreach (var names in heard)
            {
                // Every name but its own, each exactly once: "X is connected as <user#N>" or in "already connected: …".
                Assert.Equal(clients - 1, names.Distinct().Count());
                Assert.True(names.Count == clients - 1, $"told of the same client twice: {string.Join(", ", names.Order())}");
            }
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    /// <summary>
    /// Reads a chat client's announcements until it has heard of <paramref name="others"/> distinct clients, then for a
    /// further half second (a duplicate comes, if at all, from joins that are already done): every name it was told of.
    /// </summary>
    private static async Task<List<string>> HearOthersAsync(Socket s, int others)
    {
        var text = new StringBuilder();
        var buf = new byte[4096];
        var names = new List<string>();
        using var total = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        DateTime? until = null;
        while (until is null || DateTime.UtcNow < until)
        {
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(total.Token);
            if (until is { } u) slice.CancelAfter(u - DateTime.UtcNow);
            int n;
            try { n = await s.ReceiveAsync(buf, SocketFlags.None, slice.Token); }
            catch (OperationCanceledException) when (!total.IsCancellationRequested) { break; }
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buf, 0, n));
            names = Regex.Matches(text.ToString(), @"<user#\d+>").Select(m => m.Value).ToList();
            if (until is null && names.Distinct().Count() >= others) until = DateTime.UtcNow.AddMilliseconds(500);
        }
        return names;
    }
}
