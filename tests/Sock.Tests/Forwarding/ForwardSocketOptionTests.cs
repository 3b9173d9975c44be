using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// `sock forward`'s socket options as the kernel and the target see them: `-s` is the target connection's source address
/// (the target's accepted socket says where it came from), `--keepalive` is SO_KEEPALIVE on both legs (ss shows their
/// keepalive timers), and `--trace` shows both legs' calls — the client's accept and the target's socket, bind, connect.
/// TCP over IPv4 and IPv6 (these options are TCP's; a Unix leg has none of them).
/// </summary>
public sealed class ForwardSocketOptionTests
{
    public static TheoryData<string> Tcp => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task source_keepalive_and_trace_reach_both_legs(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-sockopt-");
        var (listener, target) = Net.TestListener(transport);
        using var _ = listener;
        // Another loopback address for IPv4, so the source is seen to be chosen; IPv6 has only ::1.
        var source = transport == Transports.Tcp6 ? "::1" : "127.0.0.2";
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), ForwardPeers.TargetSpelling(target.EndPoint),
            "-s", source, "--keepalive", "--trace", "-v");
        using var c = await forward.ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var accepted = await listener.AcceptAsync(cts.Token);
        Assert.Equal(IPAddress.Parse(source), ((IPEndPoint)accepted.RemoteEndPoint!).Address);
        await c.SendAsync("through\n"u8.ToArray());
        Assert.Equal("through\n", await Net.ReadUntilAsync(accepted, "\n", 30));

        // Both of the forwarder's sockets of this pair carry a keepalive timer: the client's (its local port the
        // forwarder's) and the target leg's (connected to the target's port).
        var clientPort = ((IPEndPoint)c.LocalEndPoint!).Port;
        var targetLeg = ((IPEndPoint)accepted.RemoteEndPoint!).Port;
        var ss = await ProcessRunner.RunAsync(["ss", "-tnoH", "state", "established"], timeout: TimeSpan.FromSeconds(20));
        Assert.True(ss.ExitCode == 0, ss.ToString());
        var lines = ss.Stdout.Split('\n');
        string Row(int local, int peer) => lines.FirstOrDefault(l => Regex.IsMatch(l, $@"[:\]]{local}\s+\S+[:\]]{peer}\b")) ?? "";
        var forwarderClientSide = Row(((IPEndPoint)forward.Bound).Port, clientPort);
        var forwarderTargetSide = Row(targetLeg, target.Port);
        Assert.Contains("timer:(keepalive", forwarderClientSide, StringComparison.Ordinal);
        Assert.Contains("timer:(keepalive", forwarderTargetSide, StringComparison.Ordinal);

        // --trace: the accept of the client and the target leg's socket, bind to the source, connect, and SO_KEEPALIVE on each.
        var trace = string.Join("\n", forward.Process.StderrLines);
        var accept = Regex.Match(trace, @"accept\(\d+\) = (\d+) from ");
        Assert.True(accept.Success, trace);
        Assert.Contains($"setsockopt({accept.Groups[1].Value}, SO_KEEPALIVE, 1)", trace, StringComparison.Ordinal);
        // The last such bind: over IPv6 the listening socket was bound to [::1]:0 as well, before any client.
        var bind = Regex.Matches(trace, $@"bind\((\d+), \[?{Regex.Escape(source)}\]?:0\)").LastOrDefault();
        Assert.True(bind is not null, trace);
        var fd = bind.Groups[1].Value;
        Assert.Matches($@"connect\({fd}, \S+:{target.Port}\) = 0", trace);
        Assert.Contains($"setsockopt({fd}, SO_KEEPALIVE, 1)", trace, StringComparison.Ordinal);
    }
}
