using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Core.Snmp;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>sock snmp as the manager: against net-snmp's snmpd (compared with snmpwalk's own output), and against agents that misbehave.</summary>
public sealed partial class SnmpManagerTests
{
    /// <summary>
    /// Values that move between two walks (counters, clocks, gauges such as tcpCurrEstab) keep their type; the rest is
    /// compared whole.
    /// </summary>
    private static List<string> Normalise(string walk) => walk.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => Moving().Replace(l.TrimEnd('\r'), "$1"))
        .ToList();

    internal static List<string> NormaliseWalk(string walk) => Normalise(walk);

    [GeneratedRegex(@"(= (?:Counter32|Counter64|Timeticks|Gauge32)):.*$")]
    private static partial Regex Moving();

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task walk_of_system_and_if_mib_equals_snmpwalks(string transport)
    {
        if (!SnmpdProcess.Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync();
        foreach (var root in new[] { "1.3.6.1.2.1.1", "1.3.6.1.2.1.2", "1.3.6.1.2.1.31.1.1.1.1" })
        {
            var theirs = await ExternalTool.RunAsync("snmpwalk", "-v2c", "-c", snmpd.Community, "-On", snmpd.Target(transport), root);
            var ours = await SockRunner.RunAsync(["snmp", "walk", "-c", snmpd.Community, "-On", "--no-mibs", snmpd.Target(transport), root]);
            Assert.True(theirs.ExitCode == 0, theirs.Stderr);
            Assert.True(ours.ExitCode == 0, ours.ToString());
            Assert.True(Normalise(theirs.Stdout).Count > 3, theirs.Stdout);
            Assert.Equal(Normalise(theirs.Stdout), Normalise(ours.Stdout));
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task bulkwalk_of_tcp_mib_equals_snmpbulkwalks_for_the_tests_own_sockets(string transport)
    {
        if (!SnmpdProcess.Installed) return;
        var loopback = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var listener = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(loopback, 0));
        listener.Listen(4);
        using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        await using var snmpd = await SnmpdProcess.StartAsync();

        // The whole TCP-MIB: every connection on the host, thousands of TIME-WAIT rows while other suites run (snmpd's
        // walk of them at 10 a request outlasted 30 s in a fresh-clone run): 100 a request (snmpd's cap) on both sides.
        var theirs = await ProcessRunner.RunAsync(["snmpbulkwalk", "-v2c", "-c", snmpd.Community, "-On", "-Cr100", snmpd.Target(transport), "1.3.6.1.2.1.6"],
            timeout: TimeSpan.FromSeconds(120));
        var ours = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", snmpd.Community, "-On", "--no-mibs", "-Cr", "100", snmpd.Target(transport), "1.3.6.1.2.1.6"],
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(theirs.ExitCode == 0 && ours.ExitCode == 0, theirs.Stderr + ours);
        // Other tests open and close sockets all the time: compare the scalars' names and types, and the rows of this test's sockets.
        List<string> Stable(string walk) => Normalise(walk).Where(l =>
            Regex.IsMatch(l, @"^\.1\.3\.6\.1\.2\.1\.6\.\d+\.0 ") || l.Split(" = ")[0].Split('.').Contains(port)).ToList();
        var expected = Stable(theirs.Stdout);
        Assert.True(expected.Count >= 6, theirs.Stdout);
        Assert.Equal(expected, Stable(ours.Stdout));
    }

    [Fact]
    public async Task names_the_objects_it_knows_as_snmpwalk_with_mibs_does()
    {
        if (!SnmpdProcess.Installed) return;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var snmpd = await SnmpdProcess.StartAsync();
        var get = await SockRunner.RunAsync(["snmp", "get", "-c", snmpd.Community, snmpd.Target(Transports.Udp4), "sysName.0", "SNMPv2-MIB::sysLocation.0", "sysObjectID.0", "ifType.1"]);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(
            [$"SNMPv2-MIB::sysName.0 = STRING: {Environment.MachineName}", "SNMPv2-MIB::sysLocation.0 = STRING: sock test",
             "SNMPv2-MIB::sysObjectID.0 = OID: NET-SNMP-MIB::netSnmpAgentOIDs.10", "IF-MIB::ifType.1 = INTEGER: softwareLoopback(24)"],
            get.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var walk = await SockRunner.RunAsync(["snmp", "walk", "-c", snmpd.Community, snmpd.Target(Transports.Udp4), "tcpListenerTable"]);
        Assert.Contains($"TCP-MIB::tcpListenerProcess.ipv4.\"127.0.0.1\".{port} = Gauge32: {Environment.ProcessId}", walk.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task walks_sock_agent_with_the_same_rows_as_snmpwalk()
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--cache 10s");
        var theirs = await agent.RunAsync("snmpbulkwalk", "2c", Transports.Udp6, "1.3.6.1.2.1.2");
        var ours = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", agent.Community, "-On", "--no-mibs", agent.Target(Transports.Udp6), "1.3.6.1.2.1.2"]);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(Normalise(theirs.Stdout), Normalise(ours.Stdout));
    }

    [Fact]
    public async Task bulkwalk_lowers_max_repetitions_when_the_agent_answers_too_big()
    {
        // An agent that answers tooBig to any GetBulk asking more than 3 repetitions, as a small-message agent does.
        await using var agent = await ScriptedAgent.StartAsync((request, view) =>
            request.MaxRepetitions > 3 ? new SnmpPdu { Type = PduType.Response, RequestId = request.RequestId, ErrorStatusCode = 1 } : null);
        // -Cr40: net-snmp's attached form.
        var r = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", "public", "-Cr40", "--verbose", "-On", $"127.0.0.1:{agent.Port}", "1.3.6.1.2.1.6.20"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(50, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("tooBig: max-repetitions lowered to 20", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("lowered to 2", r.Stderr, StringComparison.Ordinal);
        Assert.All(agent.Requests.Where(p => p.Type == PduType.GetBulkRequest).SkipWhile(p => p.MaxRepetitions > 3), p => Assert.True(p.MaxRepetitions <= 3));
    }

    [Fact]
    public async Task bulkwalk_lowers_max_repetitions_when_the_agent_stays_silent()
    {
        // Large answers lost on the way (a firewall dropping fragments): silence above 5 repetitions.
        await using var agent = await ScriptedAgent.StartAsync((request, view) => request.MaxRepetitions > 5 ? ScriptedAgent.Silence : null);
        var r = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", "public", "-Cr", "20", "-t", "200ms", "-r", "0", "--verbose", "-On", $"127.0.0.1:{agent.Port}", "1.3.6.1.2.1.6.20"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(50, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("no answer: max-repetitions lowered to 5", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("walk")]
    [InlineData("bulkwalk")]
    public async Task an_agent_returning_oids_out_of_order_stops_the_walk_instead_of_looping(string verb)
    {
        // Every answer points back at the same OID: a broken agent that would make a naive walk loop forever.
        var loop = new VarBind(Oid.Parse("1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.7"), SnmpValue.Gauge32(1));
        await using var agent = await ScriptedAgent.StartAsync((request, view) =>
            new SnmpPdu { Type = PduType.Response, RequestId = request.RequestId, VarBinds = [loop, loop] });
        var r = await SockRunner.RunAsync(["snmp", verb, "-c", "public", $"127.0.0.1:{agent.Port}", "1.3.6.1.2.1.6.20"], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("out of order", r.Stderr, StringComparison.Ordinal);
        Assert.True(agent.Requests.Count < 10, $"{agent.Requests.Count} requests");
    }

    [Fact]
    public async Task twenty_agents_at_once_one_silent_the_others_answer_and_a_summary_says_so()
    {
        var agents = new List<ScriptedAgent>();
        try
        {
            for (var i = 0; i < 19; i++) agents.Add(await ScriptedAgent.StartAsync((_, _) => null));
            agents.Add(await ScriptedAgent.StartAsync((_, _) => ScriptedAgent.Silence));
            var hosts = agents.Select(a => $"127.0.0.1:{a.Port}").ToArray();
            var r = await SockRunner.RunAsync(["snmp", "walk", "-c", "public", "-t", "300ms", "-r", "1", .. hosts, "1.3.6.1.2.1.6.20"]);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal(19, Regex.Matches(r.Stdout, "^# 127.0.0.1:", RegexOptions.Multiline).Count);
            // Said with stderr when short: which hosts timed out part-way (a loaded test process answers late) or why.
            var rows = r.Stdout.Split('\n').Count(l => l.StartsWith("TCP-MIB::", StringComparison.Ordinal));
            Assert.True(rows == 19 * 50, $"{rows} of {19 * 50} rows; stderr: {r.Stderr}");
            Assert.Contains($"sock: snmp request to 127.0.0.1:{agents[^1].Port} failed: timed out after 300ms × 2 tries", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("20 hosts: 19 answered, 1 timed out, 0 refused", r.Stderr, StringComparison.Ordinal);
            // Concurrently: 20 hosts in far less than one silent host's wait times twenty.
            Assert.True(r.Elapsed < TimeSpan.FromSeconds(12), r.Elapsed.ToString());
        }
        finally
        {
            foreach (var a in agents) await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_refused_port_is_one_line_and_exit_1()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Close(); // nothing listens there now: the kernel answers port unreachable
        var r = await SockRunner.RunAsync(["snmp", "get", "-c", "public", "-t", "2s", $"127.0.0.1:{port}", "sysName.0"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal([$"sock: snmp request to 127.0.0.1:{port} failed: connection refused (no SNMP agent on that port)"], r.StderrLines);
    }

    [Theory]
    [InlineData("snmp get 127.0.0.1 sysName.0", "no community given")]
    [InlineData("snmp get -c x 127.0.0.1", "no OID given")]
    [InlineData("snmp get -c x 127.0.0.1 nosuchname.0", "not an OID, nor a name sock knows")]
    [InlineData("snmp walk -c x -v 3 127.0.0.1", "SNMPv3 has no community")]
    [InlineData("snmp walk -v 3 127.0.0.1", "no user name given")]
    [InlineData("snmp walk -v 3 -u alice -l authNoPriv 127.0.0.1", "no authentication password given")]
    [InlineData("snmp walk -v 3 -u alice -l authNoPriv -a SHA -A short 127.0.0.1", "shorter than 8 characters")]
    [InlineData("snmp walk -v 3 -u alice -l authPriv -a SHA -A authpass1 -x DES -X privpass1 127.0.0.1", "DES privacy is not supported")]
    [InlineData("snmp walk -v 3 -u alice -l authPriv -a SHA -A authpass1 -x AES-256 -X privpass1 127.0.0.1", "only AES-128 is supported")]
    [InlineData("snmp walk -v 3 -u alice -l authPriv -a SHA -A authpass1 127.0.0.1", "no privacy password given")]
    [InlineData("snmp walk -v 3 -u alice -l authNoPriv -a SHA-1024 -A authpass1 127.0.0.1", "the authentication protocol is")]
    [InlineData("snmp walk -v 3 -u alice -l secret 127.0.0.1", "the level is noAuthNoPriv")]
    [InlineData("snmp walk -v 3 -u alice -e 0x80zz 127.0.0.1", "hex digits")]
    [InlineData("snmp walk -v 2c -c x -u alice 127.0.0.1", "applies to -v 3 only")]
    [InlineData("snmp walk -c x -Cr 0 127.0.0.1", "must be a number from 1 to 65535")]
    [InlineData("snmp bulkwalk -c x -Cr0 127.0.0.1", "must be a number from 1 to 65535")]
    [InlineData("snmp bulkwalk -c x -Crx 127.0.0.1", "max-repetitions x: must be a number")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string reason)
    {
        Assert.Contains(reason, await SockRunner.UsageErrorAsync(args), StringComparison.Ordinal);
    }
}
