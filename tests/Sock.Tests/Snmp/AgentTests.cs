using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Core.Snmp;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>sock agent against net-snmp's managers (snmpget, snmpgetnext, snmpwalk, snmpbulkwalk, snmpnetstat), v1 and v2c, UDP over IPv4 and IPv6.</summary>
public sealed partial class AgentTests
{
    public static TheoryData<string, string> TransportsAndVersions
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var t in new[] { Transports.Udp4, Transports.Udp6 })
                foreach (var v in new[] { "1", "2c" })
                    data.Add(t, v);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(TransportsAndVersions))]
    public async Task snmpget_reads_the_system_group(string transport, string version)
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--location lab-16");
        var r = await agent.RunAsync("snmpget", version, transport, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($".1.3.6.1.2.1.1.5.0 = STRING: \"{Environment.MachineName}\"", r.Stdout, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.2.1.1.6.0 = STRING: \"lab-16\"", r.Stdout, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.8072.3.2.10", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: \(\d+\)", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(TransportsAndVersions))]
    public async Task unknown_objects_are_no_such_object_in_v2c_and_no_such_name_in_v1(string transport, string version)
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync();
        var r = await agent.RunAsync("snmpget", version, transport, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.5.1");
        if (version == "1")
        {
            Assert.Contains("noSuchName", r.Stderr + r.Stdout, StringComparison.Ordinal);
            Assert.Contains("1.3.6.1.2.1.1.99.0", r.Stderr + r.Stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(".1.3.6.1.2.1.1.99.0 = No Such Object available on this agent at this OID", r.Stdout, StringComparison.Ordinal);
            Assert.Contains(".1.3.6.1.2.1.1.5.1 = No Such Instance currently exists at this OID", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(TransportsAndVersions))]
    public async Task tcp_mib_rows_match_ss_for_the_tests_own_sockets_with_their_pid(string transport, string version)
    {
        if (!AgentProcess.PeersInstalled) return;
        var loopback = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var listener = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(loopback, 0));
        listener.Listen(4);
        using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        // One snapshot for the whole walk: the columns of a row must come from the same reading of the table.
        await using var agent = await AgentProcess.StartAsync("--cache 60s");

        var walk = await agent.RunAsync("snmpwalk", version, transport, "1.3.6.1.2.1.6");
        Assert.True(walk.ExitCode == 0, walk.Stderr);
        // This process's sockets on that port: the suite's earlier connections may have left a TIME-WAIT socket (no owner)
        // whose port number the system has handed out again.
        var fromSnmp = ParseTcpRows(walk.Stdout).Where(r => (r.LocalPort == port || r.RemotePort == port) && r.Pid == Environment.ProcessId).ToHashSet();

        var ss = await ExternalTool.RunAsync("ss", "-tanpH", "( sport = :" + port + " or dport = :" + port + " )");
        var fromSs = ss.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains($"pid={Environment.ProcessId},", StringComparison.Ordinal)).Select(ParseSs).ToHashSet();
        Assert.Equal(3, fromSs.Count);
        Assert.Equal(fromSs.OrderBy(r => r.ToString()), fromSnmp.OrderBy(r => r.ToString()));
        Assert.Contains(fromSnmp, r => r.State == "LISTEN" && r.LocalPort == port);
        Assert.Contains(fromSnmp, r => r.State == "ESTAB" && r.LocalPort == clientPort && r.RemotePort == port);
    }

    [Theory]
    [MemberData(nameof(TransportsAndVersions))]
    public async Task udp_endpoint_rows_carry_the_owning_pid(string transport, string version)
    {
        if (!AgentProcess.PeersInstalled) return;
        var loopback = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var udp = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(loopback, 0));
        var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
        await using var agent = await AgentProcess.StartAsync();
        var walk = await agent.RunAsync(version == "1" ? "snmpwalk" : "snmpbulkwalk", version, transport, "1.3.6.1.2.1.7.7.1.8");
        Assert.True(walk.ExitCode == 0, walk.Stderr);
        var bytes = string.Join('.', loopback.GetAddressBytes());
        var type = loopback.AddressFamily == AddressFamily.InterNetwork ? "1.4" : "2.16";
        var wildcard = loopback.AddressFamily == AddressFamily.InterNetwork ? "0.0.0.0" : string.Join('.', new byte[16]);
        // The instance is the socket's inode, as snmpd gives it.
        Assert.Matches($@"\.1\.3\.6\.1\.2\.1\.7\.7\.1\.8\.{Regex.Escape($"{type}.{bytes}.{port}.{type}.{wildcard}.0.")}\d+ = Gauge32: {Environment.ProcessId}\b", walk.Stdout);
        var ss = await ExternalTool.RunAsync("ss", "-uanpH", "( sport = :" + port + " )");
        Assert.Contains($"pid={Environment.ProcessId},", ss.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task bulkwalk_and_walk_see_the_same_objects_in_increasing_order(string transport)
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--cache 10s");
        // IF-MIB and the TCP scalars stand still long enough to compare; net-snmp stops with "OID not increasing" otherwise.
        foreach (var (subtree, ifName) in new[] { ("1.3.6.1.2.1.2", "1.3.6.1.2.1.2.2.1.2"), ("1.3.6.1.2.1.31", "1.3.6.1.2.1.31.1.1.1.1") })
        {
            var walk = await agent.RunAsync("snmpwalk", "2c", transport, subtree);
            var bulk = await agent.RunAsync("snmpbulkwalk", "2c", transport, "-Cr7", subtree);
            Assert.True(walk.ExitCode == 0 && bulk.ExitCode == 0, walk.Stderr + bulk.Stderr);
            Assert.DoesNotContain("not increasing", walk.Stderr + bulk.Stderr, StringComparison.Ordinal);
            Assert.Equal(Oids(walk.Stdout), Oids(bulk.Stdout));
            Assert.Contains($".{ifName}.1 = STRING: \"lo\"", walk.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task snmpnetstat_lists_the_tests_listener()
    {
        if (!AgentProcess.PeersInstalled || !ExternalTool.Exists("snmpnetstat")) return;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var agent = await AgentProcess.StartAsync();
        var r = await ExternalTool.RunAsync("snmpnetstat", "-v", "2c", "-c", agent.Community, "-Cn", "-Ca", "-Cp", "tcp", agent.Target(Transports.Udp4));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var listening = r.Stdout[r.Stdout.IndexOf("Listening Internet (tcp)", StringComparison.Ordinal)..];
        Assert.Matches(new Regex($@"tcp4\s+127\.0\.0\.1\.{port}\b"), listening);
    }

    [Fact]
    public async Task a_wrong_community_gets_no_answer_and_is_counted()
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync();
        var wrong = await ExternalTool.RunAsync("snmpget", "-v", "2c", "-c", "not-" + agent.Community, "-t", "0.5", "-r", "0", agent.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Timeout", wrong.Stderr, StringComparison.Ordinal);
        await Task.Delay(300); // past --cache, so the snmp group is read again
        var counted = await agent.RunAsync("snmpget", "2c", Transports.Udp4, "1.3.6.1.2.1.11.4.0");
        Assert.Contains(".1.3.6.1.2.1.11.4.0 = Counter32: 1", counted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task getbulk_is_trimmed_to_the_max_size_and_a_get_too_big_is_answered_too_big()
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--max-size 484");
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Connect(IPAddress.Loopback, agent.Port4);
        var bulk = await ExchangeAsync(udp, SnmpMessage.ForCommunity(SnmpVersion.V2c, agent.Community, SnmpPdu.GetBulk(1, 0, 500, [Oid.Parse("1.3.6.1.2.1.25.4.2.1.2")])));
        Assert.True(bulk.Length <= 484, $"{bulk.Length} bytes");
        Assert.True(SnmpMessage.TryDecode(bulk, out var m, out _));
        Assert.Equal(SnmpErrorStatus.NoError, m!.Pdu.ErrorStatus);
        Assert.InRange(m.Pdu.VarBinds.Count, 2, 499);

        var sysDescr = Oid.Parse("1.3.6.1.2.1.1.1.0");
        var get = await ExchangeAsync(udp, SnmpMessage.ForCommunity(SnmpVersion.V2c, agent.Community, SnmpPdu.Request(PduType.GetRequest, 2, Enumerable.Repeat(sysDescr, 20))));
        Assert.True(SnmpMessage.TryDecode(get, out m, out _));
        Assert.Equal(SnmpErrorStatus.TooBig, m!.Pdu.ErrorStatus);
        Assert.Empty(m.Pdu.VarBinds);
    }

    [Fact]
    public async Task ten_thousand_mutated_and_random_datagrams_leave_it_answering_with_bounded_memory()
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Connect(IPAddress.Loopback, agent.Port4);
        var valid = SnmpMessage.ForCommunity(SnmpVersion.V2c, agent.Community,
            SnmpPdu.GetBulk(7, 1, 5, [Oid.Parse("1.3.6.1.2.1.1.3"), Oid.Parse("1.3.6.1.2.1.6")])).Encode();
        var rng = new Random(1616);
        var answered = 0;
        for (var i = 0; i < 10_000; i++)
        {
            byte[] packet;
            if (i % 3 == 0)
            {
                packet = new byte[rng.Next(1, 1500)];
                rng.NextBytes(packet);
            }
            else
            {
                packet = (byte[])valid.Clone();
                for (var m = 0; m < 1 + rng.Next(3); m++) packet[rng.Next(packet.Length)] = (byte)rng.Next(256);
            }
            udp.Send(packet);
            // Every 500 packets a valid request must still be answered.
            if (i % 500 == 499)
            {
                var reply = await ExchangeAsync(udp, SnmpMessage.ForCommunity(SnmpVersion.V2c, agent.Community, SnmpPdu.Request(PduType.GetRequest, 424242, [Oid.Parse("1.3.6.1.2.1.1.3.0")])), 424242);
                Assert.True(SnmpMessage.TryDecode(reply, out var m, out _));
                Assert.Equal(SnmpValueType.TimeTicks, m!.Pdu.VarBinds[0].Value.Type);
                answered++;
            }
        }
        Assert.Equal(20, answered);
        Assert.True(agent.Process.StatusKiB("VmRSS") < 400 * 1024, $"RSS {agent.Process.StatusKiB("VmRSS")} KiB");
        // A flood the agent cannot keep up with is dropped before it is parsed (the kernel's queue, the engine's bound),
        // so the flood alone need not leave a parse error counted (a CI run under load counted 0): one malformed datagram
        // into the now idle agent, and a request answered after it, does.
        udp.Send([0x30, 0x05, 0x02, 0x01]); // a SEQUENCE whose length runs past the datagram's end
        await ExchangeAsync(udp, SnmpMessage.ForCommunity(SnmpVersion.V2c, agent.Community, SnmpPdu.Request(PduType.GetRequest, 424243, [Oid.Parse("1.3.6.1.2.1.1.3.0")])), 424243);
        // The agent answers from a snapshot of its MIB kept for --cache (200 ms here), counters included: once that has
        // passed since the last request, the snmpget below is answered from a fresh one.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        var r = await agent.RunAsync("snmpget", "2c", Transports.Udp4, "1.3.6.1.2.1.11.6.0");
        Assert.Matches(@"\.1\.3\.6\.1\.2\.1\.11\.6\.0 = Counter32: [1-9]\d*", r.Stdout);
    }

    /// <summary>
    /// Sends a request and returns the reply with <paramref name="requestId"/> (others are skipped). As a manager does, it
    /// sends again after 2 s, up to 5 times: a flood can fill the agent's receive buffer, where the kernel drops datagrams.
    /// </summary>
    private static async Task<byte[]> ExchangeAsync(Socket udp, SnmpMessage request, int? requestId = null)
    {
        var want = requestId ?? request.Pdu.RequestId;
        var buffer = new byte[65536];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            udp.Send(request.Encode());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                while (true)
                {
                    var n = await udp.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    if (SnmpMessage.TryDecode(buffer.AsMemory(0, n).ToArray(), out var m, out _) && m!.Pdu.RequestId == want) return buffer[..n];
                }
            }
            catch (OperationCanceledException) { }
        }
        throw new TimeoutException($"no answer to request {want} after 5 tries");
    }

    private static List<string> Oids(string walk) =>
        walk.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(" = ")[0]).ToList();

    internal sealed record TcpRow(string State, string Local, int LocalPort, string Remote, int RemotePort, int Pid);

    private static readonly string[] MibStates = ["?", "CLOSE", "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "LAST-ACK", "CLOSING", "TIME-WAIT"];

    /// <summary>tcpConnectionTable and tcpListenerTable rows from snmpwalk -On output.</summary>
    internal static List<TcpRow> ParseTcpRows(string walk)
    {
        var states = new Dictionary<string, int>();
        var pids = new Dictionary<string, int>();
        var listeners = new List<TcpRow>();
        foreach (var line in walk.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(" = ", 2);
            var value = parts[1].Split(": ", 2)[^1];
            if (parts[0].StartsWith(".1.3.6.1.2.1.6.19.1.7.", StringComparison.Ordinal)) states[parts[0][22..]] = int.Parse(value, CultureInfo.InvariantCulture);
            else if (parts[0].StartsWith(".1.3.6.1.2.1.6.19.1.8.", StringComparison.Ordinal)) pids[parts[0][22..]] = int.Parse(value, CultureInfo.InvariantCulture);
            else if (parts[0].StartsWith(".1.3.6.1.2.1.6.20.1.4.", StringComparison.Ordinal))
            {
                var arcs = parts[0][22..].Split('.').Select(uint.Parse).ToArray();
                var at = 0;
                var local = Address(arcs, ref at);
                listeners.Add(new TcpRow("LISTEN", local, (int)arcs[at], "*", 0, int.Parse(value, CultureInfo.InvariantCulture)));
            }
        }
        var rows = new List<TcpRow>(listeners);
        foreach (var (index, state) in states)
        {
            var arcs = index.Split('.').Select(uint.Parse).ToArray();
            var at = 0;
            var local = Address(arcs, ref at);
            var lport = (int)arcs[at++];
            var remote = Address(arcs, ref at);
            var rport = (int)arcs[at];
            rows.Add(new TcpRow(MibStates[state], local, lport, remote, rport, pids[index]));
        }
        return rows;
    }

    private static string Address(uint[] arcs, ref int at)
    {
        var length = (int)arcs[at + 1];
        var bytes = arcs.Skip(at + 2).Take(length).Select(a => (byte)a).ToArray();
        at += 2 + length;
        return new IPAddress(bytes).ToString();
    }

    /// <summary>A row of ss -tanpH: ESTAB 0 0 127.0.0.1:40000 127.0.0.1:50000 users:(("x",pid=1,fd=3)).</summary>
    private static TcpRow ParseSs(string line)
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        static (string, int) Split(string ep)
        {
            var colon = ep.LastIndexOf(':');
            var host = ep[..colon].Trim('[', ']');
            return (host, int.Parse(ep[(colon + 1)..], CultureInfo.InvariantCulture));
        }
        var (local, lport) = Split(f[3]);
        var pid = int.Parse(PidOf().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        if (f[0] == "LISTEN") return new TcpRow("LISTEN", local, lport, "*", 0, pid);
        var (remote, rport) = Split(f[4]);
        return new TcpRow(f[0], local, lport, remote, rport, pid);
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidOf();
}
