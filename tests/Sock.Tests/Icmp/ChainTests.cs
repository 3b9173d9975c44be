using System.Text.RegularExpressions;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Icmp;

/// <summary>
/// sock traceroute and sock ping across a chain of namespaces (client → r1 → r2 → server) against Debian's traceroute,
/// tracepath and iputils ping in the same topology, in the same run: the same hops, the same stars when a router drops
/// its ICMP, the MTU of a narrow link, the same counts, loss injected with netem inside a namespace.
/// </summary>
public partial class ChainTests(RouterChain chain, ITestOutputHelper output) : IClassFixture<RouterChain>
{
    [GeneratedRegex(@"^ ?(\d+)  (.*)$")]
    private static partial Regex HopLine();

    [GeneratedRegex(@"\d+ packets transmitted, (\d+) received")]
    private static partial Regex Counts();

    [GeneratedRegex(@"(\d+(\.\d+)?)% packet loss")]
    private static partial Regex Loss();

    private void RequireChain(params string[] tools)
    {
        if (chain.Unavailable is { } why) Assert.Fail($"the namespace chain is needed: {why}");
        foreach (var t in tools)
            if (!ExternalTool.Exists(t)) Assert.Fail($"{t} is not installed (test.sh installs it)");
    }

    private Task<SockRun> SockInClient(params string[] args) =>
        IcmpNamespaces.RunAsync(chain.InClient(SockRunner.Command(args)));

    /// <summary>Each hop line's addresses, in order ("*" for a hop with no answer), from traceroute's or sock's -n output.</summary>
    private static List<string> HopsOf(string stdout) => [.. stdout.Split('\n')
        .Select(l => HopLine().Match(l)).Where(m => m.Success)
        .Select(m => m.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(w => w == "*" || w.Contains('.') && !w.EndsWith("ms", StringComparison.Ordinal) && w.Count(c => c == '.') == 3 || w.Contains(':')) ?? "?")];

    [Theory]
    [InlineData("4", "")]
    [InlineData("6", "")]
    [InlineData("4", "-I")]
    [InlineData("6", "-I")]
    [InlineData("4", "-T")]
    [InlineData("6", "-T")]
    public async Task traceroute_lists_the_same_hops_as_debians(string family, string method)
    {
        RequireChain("traceroute");
        var target = RouterChain.ServerAddress(family);
        string[] extra = method.Length == 0 ? [] : method == "-T" ? ["-T", "-p", "9"] : ["-I"];
        var debian = await IcmpNamespaces.RunAsync(chain.InClient(["traceroute", $"-{family}", "-n", "-q", "2", "-w", "2", .. extra, target]));
        var sock = await SockInClient(["traceroute", $"-{family}", "-n", "-q", "2", "-w", "2", .. extra, target]);
        output.WriteLine(debian.Stdout);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, debian.ExitCode);
        Assert.Equal(0, sock.ExitCode);
        Assert.Equal(RouterChain.Hops(family), HopsOf(debian.Stdout));
        Assert.Equal(HopsOf(debian.Stdout), HopsOf(sock.Stdout));
        Assert.StartsWith($"traceroute to {target} ({target}), 30 hops max, ", sock.Stdout);
        // Two answered probes per hop, each "  N.NNN ms".
        Assert.All(sock.Stdout.Split('\n').Where(l => HopLine().IsMatch(l)), l => Assert.Equal(2, Regex.Matches(l, @"  \d+\.\d{3} ms").Count));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("6")]
    public async Task traceroute_hops_match_tracepaths_and_the_trace_shows_the_error_queue(string family)
    {
        RequireChain("tracepath");
        var target = RouterChain.ServerAddress(family);
        var tracepath = await IcmpNamespaces.RunAsync(chain.InClient(["tracepath", $"-{family}", "-n", target]));
        var sock = await SockInClient(["--trace", "traceroute", "-n", "-q", "1", "-w", "2", target]);
        output.WriteLine(tracepath.Stdout);
        output.WriteLine(sock.ToString());
        // tracepath prints " 1:  10.17.1.1   0.050ms" (a hop may be printed twice); its distinct addresses in order.
        var tracepathHops = tracepath.Stdout.Split('\n').Select(l => Regex.Match(l, @"^ *\d+:\s+(\S+)")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Where(a => a != "[LOCALHOST]" && a != "no").Distinct().ToList();
        Assert.Equal(RouterChain.Hops(family), tracepathHops);
        Assert.Equal(tracepathHops, HopsOf(sock.Stdout));
        var v = family == "6" ? "IPV6" : "IP";
        Assert.Matches($@"socket\(AF_INET{(family == "6" ? "6" : "")}, SOCK_DGRAM, IPPROTO_UDP\) = \d+", sock.Stderr);
        Assert.Matches($@"setsockopt\(\d+, {(family == "6" ? "IPV6_UNICAST_HOPS" : "IP_TTL")}, 2\)", sock.Stderr);
        Assert.Matches($@"recvmsg\(\d+, MSG_ERRQUEUE\) = \d+ bytes: {v}_RECVERR .* from {Regex.Escape(RouterChain.Hops(family)[0])}", sock.Stderr);
    }

    [Theory]
    [InlineData("4")]
    [InlineData("6")]
    public async Task a_router_that_drops_its_icmp_shows_a_star(string family)
    {
        RequireChain("traceroute", "nft");
        var table = $"sockping{Environment.ProcessId}";
        // r1 stops sending time exceeded (its own ICMP output), as a firewall that filters ICMP does.
        await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.R1, "nft", "add", "table", "inet", table);
        try
        {
            await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.R1, "nft", "add", "chain", "inet", table, "out", "{ type filter hook output priority 0 ; }");
            await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.R1, "nft", "add", "rule", "inet", table, "out", "icmp", "type", "time-exceeded", "drop");
            await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.R1, "nft", "add", "rule", "inet", table, "out", "icmpv6", "type", "time-exceeded", "drop");
            var target = RouterChain.ServerAddress(family);
            var debian = await IcmpNamespaces.RunAsync(chain.InClient(["traceroute", $"-{family}", "-n", "-q", "1", "-w", "1", target]));
            var sock = await SockInClient(["traceroute", "-n", "-q", "1", "-w", "1", target]);
            output.WriteLine(debian.Stdout);
            output.WriteLine(sock.ToString());
            string[] expected = ["*", .. RouterChain.Hops(family)[1..]];
            Assert.Equal(expected, HopsOf(debian.Stdout));
            Assert.Equal(expected, HopsOf(sock.Stdout));
            Assert.Contains("\n 1  *\n", sock.Stdout);
        }
        finally
        {
            await IcmpNamespaces.RunAsync(["ip", "netns", "exec", chain.R1, "nft", "delete", "table", "inet", table]);
        }
    }

    [Theory]
    [InlineData("4", "udp")]
    [InlineData("6", "udp")]
    [InlineData("4", "icmp")]
    [InlineData("6", "icmp")]
    [InlineData("4", "icmp-dgram")]
    [InlineData("6", "icmp-dgram")]
    public async Task an_mtu_of_1400_on_the_middle_link_is_reported_where_it_drops(string family, string probes)
    {
        RequireChain("tracepath");
        var (a, b) = chain.MiddleLink;
        await IcmpNamespaces.MustAsync("ip", "-n", chain.R1, "link", "set", a, "mtu", "1400");
        await IcmpNamespaces.MustAsync("ip", "-n", chain.R2, "link", "set", b, "mtu", "1400");
        try
        {
            var target = RouterChain.ServerAddress(family);
            var tracepath = await IcmpNamespaces.RunAsync(chain.InClient(["tracepath", $"-{family}", "-n", target]));
            // ICMP echo probes (-I) carry a payload as UDP ones do: the router's "too big" names the MTU either way. As
            // root they go over a raw socket (the error is a packet); as nobody over ping's datagram socket, where it
            // comes on the error queue (ping_group_range opened in the client's namespace for the run).
            string[] method = probes.StartsWith("icmp", StringComparison.Ordinal) ? ["-I"] : [];
            string[] trace = ["traceroute", "--mtu", .. method, "-n", "-q", "1", "-w", "2", target];
            if (probes == "icmp-dgram")
                await IcmpNamespaces.MustAsync([.. chain.InClient(["sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"])]);
            var sock = probes == "icmp-dgram"
                ? await IcmpNamespaces.RunAsync(chain.InClient([.. IcmpNamespaces.AsNobody, .. SockRunner.Command(trace)]))
                : await SockInClient(trace);
            if (probes == "icmp-dgram")
                await IcmpNamespaces.MustAsync([.. chain.InClient(["sysctl", "-qw", "net.ipv4.ping_group_range=1 0"])]);
            Assert.True(probes != "icmp-dgram" || sock.Stderr.Contains("ICMP datagram socket", StringComparison.Ordinal), sock.ToString());
            output.WriteLine(tracepath.Stdout);
            output.WriteLine(sock.ToString());
            Assert.Contains("pmtu 1400", tracepath.Stdout);
            // The drop happens at r1, answering the hop-2 probe: hop 2's line says so, and the end says the path's MTU.
            var hop2 = sock.Stdout.Split('\n').Single(l => l.StartsWith(" 2  ", StringComparison.Ordinal));
            Assert.EndsWith("pmtu 1400", hop2);
            Assert.Contains("Resume: pmtu 1400 hops 3", sock.Stdout);
            Assert.Equal(RouterChain.Hops(family), HopsOf(sock.Stdout));
        }
        finally
        {
            await IcmpNamespaces.RunAsync(["ip", "-n", chain.R1, "link", "set", a, "mtu", "1500"]);
            await IcmpNamespaces.RunAsync(["ip", "-n", chain.R2, "link", "set", b, "mtu", "1500"]);
        }
    }

    [Theory]
    [InlineData("4")]
    [InlineData("6")]
    public async Task ping_across_the_chain_receives_what_iputils_receives(string family)
    {
        RequireChain("ping");
        var target = RouterChain.ServerAddress(family);
        var ping = await IcmpNamespaces.RunAsync(chain.InClient(["ping", "-c", "5", "-i", "0.05", target]));
        var sock = await SockInClient(["ping", "-c", "5", "-i", "0.05", target]);
        output.WriteLine(ping.Stdout);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        Assert.Equal(Counts().Match(ping.Stdout).Groups[1].Value, Counts().Match(sock.Stdout).Groups[1].Value);
        // Three hops away: the server's reply arrives with its TTL less the two routers.
        Assert.Contains($"64 bytes from {target}: icmp_seq=1 ttl={(family == "6" ? 62 : 62)} time=", sock.Stdout);
    }

    /// <summary>
    /// Disturbs the server's echo replies inside its own namespace: tc netem where the kernel has it, else the same
    /// effect from nftables (numgen random for loss, dup to the next hop for duplicates). Returns what undoes it.
    /// </summary>
    private async Task<Func<Task>> DisturbRepliesAsync(string family, string netem, string nftStatement)
    {
        var tc = await IcmpNamespaces.RunAsync(["ip", "netns", "exec", chain.Server, "tc", "qdisc", "add", "dev", chain.ServerLink, "root", "netem", .. netem.Split(' ')]);
        if (tc.ExitCode == 0)
        {
            output.WriteLine($"disturbed with tc netem {netem}");
            return () => IcmpNamespaces.RunAsync(["ip", "netns", "exec", chain.Server, "tc", "qdisc", "del", "dev", chain.ServerLink, "root"]);
        }
        output.WriteLine($"tc netem is not available here ({tc.Stderr.Trim()}): nftables instead");
        var table = $"sockping{Environment.ProcessId}";
        var nftFamily = family == "6" ? "ip6" : "ip";
        var match = family == "6" ? "icmpv6 type echo-reply" : "icmp type echo-reply";
        await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.Server, "nft", "add", "table", nftFamily, table);
        await IcmpNamespaces.MustAsync("ip", "netns", "exec", chain.Server, "nft", "add", "chain", nftFamily, table, "out", "{ type filter hook output priority 0 ; }");
        await IcmpNamespaces.MustAsync(["ip", "netns", "exec", chain.Server, "nft", "add", "rule", nftFamily, table, "out", .. match.Split(' '), .. nftStatement.Split(' ')]);
        return () => IcmpNamespaces.RunAsync(["ip", "netns", "exec", chain.Server, "nft", "delete", "table", nftFamily, table]);
    }

    [Theory]
    [InlineData("4")]
    [InlineData("6")]
    public async Task twenty_percent_loss_injected_in_a_namespace_is_reported_within_tolerance(string family)
    {
        RequireChain("ping", "nft");
        // Only the server's replies are dropped, inside its namespace: the loss ping sees is the injected loss.
        var undo = await DisturbRepliesAsync(family, "loss 20%", "numgen random mod 5 == 0 drop");
        try
        {
            var target = RouterChain.ServerAddress(family);
            var ping = await IcmpNamespaces.RunAsync(chain.InClient(["ping", "-q", "-c", "200", "-i", "0.005", "-W", "1", target]));
            var sock = await SockInClient(["ping", "-q", "-c", "200", "-i", "0.005", "-W", "1", target]);
            output.WriteLine(ping.Stdout);
            output.WriteLine(sock.ToString());
            var pingLoss = double.Parse(Loss().Match(ping.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var sockLoss = double.Parse(Loss().Match(sock.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            // 200 trials at p = 0.2: σ ≈ 2.8 points. 8–32 % is more than 4 σ either way.
            Assert.InRange(pingLoss, 8, 32);
            Assert.InRange(sockLoss, 8, 32);
            Assert.Equal(0, sock.ExitCode);
        }
        finally
        {
            await undo();
        }
    }

    [Theory]
    [InlineData("4")]
    [InlineData("6")]
    public async Task duplicated_replies_are_counted_as_duplicates_as_iputils_does(string family)
    {
        RequireChain("ping", "nft");
        var undo = await DisturbRepliesAsync(family, "duplicate 100%", $"dup to {(family == "6" ? "fd17:3::1" : "10.17.3.1")} device {chain.ServerLink}");
        try
        {
            var target = RouterChain.ServerAddress(family);
            var ping = await IcmpNamespaces.RunAsync(chain.InClient(["ping", "-c", "3", "-i", "0.2", target]));
            var sock = await SockInClient(["ping", "-c", "3", "-i", "0.2", target]);
            output.WriteLine(ping.Stdout);
            output.WriteLine(sock.ToString());
            Assert.Matches(@"3 packets transmitted, 3 received, \+[1-3] duplicates, 0% packet loss", ping.Stdout);
            var dups = Regex.Match(sock.Stdout, @"3 packets transmitted, 3 received, \+([1-3]) duplicates, 0% packet loss");
            Assert.True(dups.Success, sock.Stdout);
            Assert.Equal(int.Parse(dups.Groups[1].Value), sock.Stdout.Split('\n').Count(l => l.EndsWith(" ms (DUP!)", StringComparison.Ordinal)));
            Assert.Equal(0, sock.ExitCode);
        }
        finally
        {
            await undo();
        }
    }

    [Theory]
    [InlineData("4", "10.17.9.9", "From 10.17.1.1 icmp_seq=1 Destination Net Unreachable")]
    [InlineData("6", "fd17:9::9", "From fd17:1::1 icmp_seq=1 Destination unreachable: No route")]
    public async Task an_unroutable_host_is_reported_unreachable_as_iputils_does(string family, string target, string line)
    {
        RequireChain("ping");
        var ping = await IcmpNamespaces.RunAsync(chain.InClient(["ping", $"-{family}", "-c", "2", "-i", "0.2", "-W", "1", target]));
        var sock = await SockInClient(["ping", $"-{family}", "-c", "2", "-i", "0.2", "-W", "1", target]);
        output.WriteLine(ping.Stdout);
        output.WriteLine(sock.ToString());
        Assert.Contains(line, ping.Stdout);
        Assert.Contains(line, sock.Stdout);
        Assert.Equal(ping.ExitCode, sock.ExitCode);
        Assert.Equal(1, sock.ExitCode);
        // The router decides how many errors it sends (its ICMP limits); iputils and sock must report what came.
        Assert.Matches(@"2 packets transmitted, 0 received, \+[12] errors, 100% packet loss", sock.Stdout);
    }
}
