using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Icmp;

/// <summary>sock ping on loopback against iputils ping in the same run, its options, its errors, and its choice of socket.</summary>
public partial class PingCommandTests(ITestOutputHelper output)
{
    private static readonly string[] Unprivileged = IcmpNamespaces.AsNobody;

    [GeneratedRegex(@"^64 bytes from (127\.0\.0\.1|::1): icmp_seq=(\d+) ttl=\d+ time=\d+(\.\d+)? ms$")]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"^(\d+) packets transmitted, (\d+) received")]
    private static partial Regex CountLine();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task reply_lines_and_counts_are_iputils_pings(string loopback)
    {
        if (!ExternalTool.Exists("ping")) Assert.Fail("iputils ping is not installed (test.sh installs iputils-ping)");
        var ping = await ProcessRunner.RunAsync(["ping", "-c", "3", "-i", "0.2", loopback]);
        var sock = await SockRunner.RunAsync(["ping", "-c", "3", "-i", "0.2", loopback]);
        output.WriteLine(ping.Stdout);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, ping.ExitCode);
        Assert.Equal(0, sock.ExitCode);
        var lines = sock.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The PING line is iputils' to the byte; then three reply lines in ping's shape, sequence 1, 2, 3.
        Assert.Equal(ping.Stdout.Split('\n')[0], lines[0]);
        var replies = lines.Where(l => ReplyLine().IsMatch(l)).ToList();
        Assert.Equal(["1", "2", "3"], replies.Select(l => ReplyLine().Match(l).Groups[2].Value));
        Assert.Equal(ping.Stdout.Split('\n').Count(l => ReplyLine().IsMatch(l)), replies.Count);
        Assert.Contains($"--- {loopback} ping statistics ---", lines);
        Assert.Contains(lines, l => l.StartsWith("3 packets transmitted, 3 received, 0% packet loss, time ", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^rtt min/avg/max/mdev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$", sock.Stdout);
        Assert.Contains("raw ICMP socket (SOCK_RAW)", sock.Stderr);
    }

    [Fact]
    public async Task trace_shows_the_raw_socket_the_ttl_and_every_sendto_and_recvmsg()
    {
        var sock = await SockRunner.RunAsync(["--trace", "ping", "-c", "2", "-i", "0.2", "-t", "7", "127.0.0.1"]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        Assert.Matches(@"socket\(AF_INET, SOCK_RAW, IPPROTO_ICMP\) = \d+", sock.Stderr);
        Assert.Matches(@"setsockopt\(\d+, IP_TTL, 7\)", sock.Stderr);
        Assert.Matches(@"sendto\(\d+, 64, 127\.0\.0\.1:0\) = 64", sock.Stderr);
        Assert.Matches(@"recvmsg\(\d+\) = 84 bytes from 127\.0\.0\.1", sock.Stderr);
        // The reply's TTL is the replier's own, whatever ours was.
        Assert.Contains("64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=", sock.Stdout);
    }

    [Fact]
    public async Task timestamps_come_first_with_d_as_ping_d()
    {
        var sock = await SockRunner.RunAsync(["ping", "-D", "-c", "1", "127.0.0.1"]);
        Assert.Equal(0, sock.ExitCode);
        Assert.Matches(@"(?m)^\[\d{10}\.\d{6}\] 64 bytes from 127\.0\.0\.1: icmp_seq=1 ttl=\d+ time=", sock.Stdout);
    }

    [Fact]
    public async Task ctrl_c_ends_an_endless_ping_with_its_summary_as_ping_does()
    {
        using var p = SockRunner.Start(["ping", "-i", "0.2", "127.0.0.1"]);
        var replies = 0;
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            while (replies < 2 && await p.StandardOutput.ReadLineAsync(cts.Token) is { } line)
                if (ReplyLine().IsMatch(line)) replies++;
        Assert.Equal(2, replies);
        var kill = await ProcessRunner.RunAsync(["kill", "-INT", p.Id.ToString()]);
        Assert.Equal(0, kill.ExitCode);
        var rest = p.StandardOutput.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            await p.WaitForExitAsync(cts.Token);
        var summary = await rest;
        output.WriteLine(summary);
        // Interrupting ping is how it is meant to end: the summary, and 0 since replies came.
        Assert.Equal(0, p.ExitCode);
        Assert.Matches(@"(?m)^\d+ packets transmitted, \d+ received, ", summary);
        Assert.Contains("--- 127.0.0.1 ping statistics ---", summary);
    }

    [Fact]
    public async Task another_processes_replies_are_never_counted()
    {
        // A raw ICMP socket receives every echo reply on the machine. iputils' flood to the same address runs at the
        // same time with its own identifier and the same sequence numbers: counting any of its replies would show up
        // as duplicates or as more replies than requests.
        if (!ExternalTool.Exists("ping")) Assert.Fail("iputils ping is not installed (test.sh installs iputils-ping)");
        using var flood = ProcessRunner.Start(["ping", "-f", "-q", "-w", "8", "127.0.0.1"]);
        try
        {
            await Task.Delay(300);
            var sock = await SockRunner.RunAsync(["ping", "-c", "10", "-i", "0.05", "127.0.0.1"]);
            output.WriteLine(sock.ToString());
            Assert.Equal(0, sock.ExitCode);
            Assert.Contains("10 packets transmitted, 10 received, 0% packet loss", sock.Stdout);
            Assert.DoesNotContain("DUP", sock.Stdout);
            Assert.Equal(10, sock.Stdout.Split('\n').Count(l => ReplyLine().IsMatch(l)));
        }
        finally
        {
            flood.Kill();
        }
    }

    [Theory]
    [InlineData("-c 0 127.0.0.1", "-c 0")]
    [InlineData("-c -1 127.0.0.1", "-c -1")]
    [InlineData("-s 65508 127.0.0.1", "-s 65508")]
    [InlineData("-s -1 127.0.0.1", "-s -1")]
    [InlineData("-i -1 127.0.0.1", "-i")]
    [InlineData("-i abc 127.0.0.1", "-i abc")]
    [InlineData("-t 0 127.0.0.1", "-t 0")]
    [InlineData("-t 256 127.0.0.1", "-t 256")]
    [InlineData("-W 0 127.0.0.1", "-W")]
    [InlineData("--tcp 0 127.0.0.1", "--tcp 0")]
    [InlineData("--tcp 70000 127.0.0.1", "--tcp 70000")]
    [InlineData("no-such-host.invalid", "no-such-host.invalid")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string named)
    {
        var sock = await SockRunner.RunAsync("ping " + args);
        output.WriteLine(sock.ToString());
        Assert.Equal(2, sock.ExitCode);
        var line = Assert.Single(sock.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotContain("Exception", sock.Stderr);
        Assert.DoesNotContain("   at ", sock.Stderr);
    }

    [Theory]
    [InlineData("-f", "-f")]
    [InlineData("-i 0.1", "-i 100ms")]
    public async Task flood_and_short_intervals_need_cap_net_raw(string option, string named)
    {
        if (!Environment.IsPrivilegedProcess || !ExternalTool.Exists("setpriv")) Assert.Fail("this test needs root and setpriv to drop to nobody");
        var r = await ProcessRunner.RunAsync([.. Unprivileged, .. SockRunner.Command(["ping", "-c", "1", .. option.Split(' '), "127.0.0.1"])]);
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith($"sock: {named}", line);
        Assert.Contains("CAP_NET_RAW", line);
    }

    [Fact]
    public async Task unprivileged_ping_uses_the_icmp_datagram_socket_where_ping_group_range_allows()
    {
        if (IcmpNamespaces.Unavailable() is { } why) Assert.Fail($"needs network namespaces: {why}");
        if (!ExternalTool.Exists("setpriv")) Assert.Fail("needs setpriv (util-linux) to drop to nobody");
        // ping_group_range belongs to the network namespace: set in one of our own, it changes nothing on the host.
        await using var ns = await LoopbackNamespace.CreateAsync();
        await IcmpNamespaces.MustAsync(ns.Exec("sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"));
        var sock = await ProcessRunner.RunAsync([.. ns.Exec([.. Unprivileged, .. SockRunner.Command(["--trace", "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])])]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        Assert.Matches(@"socket\(AF_INET, SOCK_RAW, IPPROTO_ICMP\) = -1 (EPERM|EACCES|AccessDenied)", sock.Stderr);
        Assert.Matches(@"socket\(AF_INET, SOCK_DGRAM, IPPROTO_ICMP\) = \d+", sock.Stderr);
        Assert.Contains("ICMP datagram socket (SOCK_DGRAM): a raw socket needs CAP_NET_RAW, and net.ipv4.ping_group_range (0 2147483647) includes group 65534", sock.Stderr);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", sock.Stdout);
        Assert.Equal(2, sock.Stdout.Split('\n').Count(l => ReplyLine().IsMatch(l)));
        if (ExternalTool.Exists("ping"))
        {
            var ping = await ProcessRunner.RunAsync([.. ns.Exec([.. Unprivileged, "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])]);
            Assert.Contains("2 packets transmitted, 2 received", ping.Stdout);
        }
    }

    [Fact]
    public async Task unprivileged_ping_falls_back_to_tcp_where_icmp_is_not_allowed_and_says_why()
    {
        if (IcmpNamespaces.Unavailable() is { } why) Assert.Fail($"needs network namespaces: {why}");
        if (!ExternalTool.Exists("setpriv")) Assert.Fail("needs setpriv (util-linux) to drop to nobody");
        await using var ns = await LoopbackNamespace.CreateAsync();
        await IcmpNamespaces.MustAsync(ns.Exec("sysctl", "-qw", "net.ipv4.ping_group_range=1 0"));
        var sock = await ProcessRunner.RunAsync([.. ns.Exec([.. Unprivileged, .. SockRunner.Command(["ping", "-c", "2", "-i", "0.2", "127.0.0.1"])])]);
        output.WriteLine(sock.ToString());
        // Nothing listens on port 80 in a fresh namespace: the refusal (RST) is the host's answer.
        Assert.Equal(0, sock.ExitCode);
        Assert.Contains("sock ping: TCP connect to port 80: a raw socket needs CAP_NET_RAW and the ICMP datagram socket was refused (net.ipv4.ping_group_range (1 0) does not include group 65534)", sock.Stderr);
        Assert.Contains("from 127.0.0.1 port 80 (refused): tcp_seq=1 time=", sock.Stdout);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", sock.Stdout);
        var icmpOnly = await ProcessRunner.RunAsync([.. ns.Exec([.. Unprivileged, .. SockRunner.Command(["ping", "--icmp", "-c", "1", "127.0.0.1"])])]);
        Assert.Equal(1, icmpOnly.ExitCode);
        Assert.StartsWith("sock: open an ICMP socket: a raw socket needs CAP_NET_RAW and net.ipv4.ping_group_range (1 0)", Assert.Single(icmpOnly.StderrLines));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task tcp_ping_times_connects_to_a_listening_port(string loopback)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Parse(loopback), 0));
        listener.Listen(16);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var sock = await SockRunner.RunAsync(["ping", "--tcp", port.ToString(), "-c", "2", "-i", "0.2", loopback]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        Assert.Contains($"from {loopback} port {port} (open): tcp_seq=2 time=", sock.Stdout);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", sock.Stdout);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task udp_ping_times_the_port_unreachable(string loopback)
    {
        int port;
        using (var probe = new Socket(SocketType.Dgram, ProtocolType.Udp))
        {
            // A port that was free a moment ago: closed, so the kernel answers port unreachable.
            probe.Bind(new IPEndPoint(IPAddress.Parse(loopback), 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var sock = await SockRunner.RunAsync(["--trace", "ping", "--udp", port.ToString(), "-c", "2", "-i", "0.2", loopback]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        Assert.Contains($"port {port} (port unreachable): udp_seq=1 time=", sock.Stdout);
        Assert.Contains("2 packets transmitted, 2 received", sock.Stdout);
        Assert.Matches(@"recvmsg\(\d+, MSG_ERRQUEUE\) = \d+ bytes: IPV?6?_RECVERR", sock.Stderr);
    }

    [Fact]
    public async Task several_hosts_get_one_row_each_in_the_per_host_table_and_json()
    {
        var sock = await SockRunner.RunAsync(["ping", "-C", "2", "-i", "0.2", "127.0.0.1", "127.0.0.2", "::1"]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        foreach (var host in new[] { "127.0.0.1", "127.0.0.2", "::1" })
            Assert.Matches($@"(?m)^{Regex.Escape(host)} +2 +2 +0% +\d+\.\d{{3}}/", sock.Stdout);
        var json = await SockRunner.RunAsync(["ping", "-c", "2", "-i", "0.2", "--json", "127.0.0.2/31"]);
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var hosts = doc.RootElement.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["127.0.0.2", "127.0.0.3"], hosts.Select(h => h.GetProperty("address").GetString()));
        var answered = hosts.Single(h => h.GetProperty("address").GetString() == "127.0.0.3");
        Assert.Equal(2, answered.GetProperty("received").GetInt64());
        Assert.Equal(2, answered.GetProperty("roundTripsMs").GetArrayLength());
        Assert.Equal("RawIcmp", doc.RootElement.GetProperty("methods")[0].GetProperty("method").GetString());
    }
}
