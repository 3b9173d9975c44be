using System.Net;
using System.Net.Sockets;
using Sock.Core.Snmp;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// SNMP over TCP (RFC 3430): net-snmp's walks of sock agent --tcp over tcp: and tcp6:, sock snmp walk tcp: against
/// snmpd listening on TCP, and frames the agent cannot read closing the connection, counted.
/// </summary>
public sealed class SnmpTcpTests
{
    public static TheoryData<string, string> Families => new() { { "tcp:127.0.0.1", "udp:127.0.0.1" }, { "tcp6:[::1]", "udp6:[::1]" } };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task snmpwalk_and_snmpbulkwalk_over_tcp_equal_the_udp_walk_of_the_same_agent(string tcp, string udp)
    {
        if (!AgentProcess.PeersInstalled) return;
        // One snapshot for every walk, so TCP and UDP answers come from the same reading.
        await using var agent = await AgentProcess.StartAsync("--tcp --cache 60s");
        var port = udp.StartsWith("udp6", StringComparison.Ordinal) ? agent.Port6 : agent.Port4;
        Assert.Contains(agent.Process.StderrLines, l => l.StartsWith("serving snmp (RFC 3430) on tcp", StringComparison.Ordinal) && l.EndsWith($":{port}", StringComparison.Ordinal));
        foreach (var tool in new[] { "snmpwalk", "snmpbulkwalk" })
            foreach (var root in new[] { "1.3.6.1.2.1.1", "1.3.6.1.2.1.2" })
            {
                var overUdp = await ExternalTool.RunAsync(tool, "-v2c", "-c", agent.Community, "-On", "-t", "5", "-r", "1", $"{udp}:{port}", root);
                var overTcp = await ExternalTool.RunAsync(tool, "-v2c", "-c", agent.Community, "-On", "-t", "5", "-r", "1", $"{tcp}:{port}", root);
                Assert.True(overTcp.ExitCode == 0, overTcp.Stderr);
                Assert.Contains(".1.3.6.1.2.1.", overTcp.Stdout, StringComparison.Ordinal);
                Assert.Equal(overUdp.Stdout, overTcp.Stdout);
            }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task sock_snmp_walk_over_tcp_equals_snmpwalk_against_snmpd_on_tcp(string tcp, string udp)
    {
        if (!SnmpdProcess.Installed) return;
        _ = udp;
        await using var snmpd = await SnmpdProcess.StartAsync(tcp: true);
        var target = $"{tcp}:{snmpd.Port}";
        foreach (var root in new[] { "1.3.6.1.2.1.1.1", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.1.9.1.2" })
        {
            var net = await ExternalTool.RunAsync("snmpwalk", "-v2c", "-c", snmpd.Community, "-On", "-t", "5", "-r", "1", target, root);
            Assert.True(net.ExitCode == 0, net.Stderr);
            var sock = await SockRunner.RunAsync(["snmp", "walk", "-c", snmpd.Community, "-On", "--no-mibs", "-t", "5", "-r", "1", target, root]);
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            Assert.Equal(net.Stdout, sock.Stdout);
        }
        var bulk = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", snmpd.Community, "-On", "--no-mibs", "-t", "5", target, "1.3.6.1.2.1.2.2.1.2"]);
        var netBulk = await ExternalTool.RunAsync("snmpbulkwalk", "-v2c", "-c", snmpd.Community, "-On", "-t", "5", target, "1.3.6.1.2.1.2.2.1.2");
        Assert.Equal(netBulk.Stdout, bulk.Stdout);
    }

    private static byte[] Get(string community, int requestId, string oid) =>
        SnmpMessage.ForCommunity(SnmpVersion.V2c, community, SnmpPdu.Request(PduType.GetRequest, requestId, [Oid.Parse(oid)])).Encode();

    // Reads until the peer closes (0) or 5 s pass (-1); the bytes read before either.
    private static async Task<(int End, byte[] Data)> ReadToCloseAsync(Socket s)
    {
        var data = new List<byte>();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return (0, data.ToArray());
                data.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (OperationCanceledException) { return (-1, data.ToArray()); }
        catch (SocketException) { return (0, data.ToArray()); }
    }

    [Fact]
    public async Task two_messages_in_one_segment_are_both_answered_in_order()
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--tcp");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, agent.Port4));
        await s.SendAsync((byte[])[.. Get(agent.Community, 101, "1.3.6.1.2.1.1.5.0"), .. Get(agent.Community, 102, "1.3.6.1.2.1.1.3.0")]);
        s.Shutdown(SocketShutdown.Send);
        var (_, data) = await ReadToCloseAsync(s);
        var first = SnmpStreamFraming.FrameLength(data, out _);
        Assert.True(first > 0 && data.Length > first);
        Assert.True(SnmpMessage.TryDecode(data.AsMemory(0, first), out var a, out var why), why);
        Assert.True(SnmpMessage.TryDecode(data.AsMemory(first), out var b, out why), why);
        Assert.Equal(101, a!.Pdu.RequestId);
        Assert.Equal(102, b!.Pdu.RequestId);
        Assert.Equal(SnmpValueType.TimeTicks, b.Pdu.VarBinds[0].Value.Type);
    }

    [Theory]
    [InlineData("02 01 00")]                    // not a SEQUENCE
    [InlineData("30 80 02 01 00 00 00")]        // indefinite length
    [InlineData("30 83 01 00 00")]              // 65536 bytes: beyond the largest message
    [InlineData("30 84 7f ff ff ff")]           // 2 GiB announced
    public async Task a_frame_the_agent_cannot_read_closes_the_connection_and_is_counted(string hex)
    {
        if (!AgentProcess.PeersInstalled) return;
        await using var agent = await AgentProcess.StartAsync("--tcp --cache 100ms");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, agent.Port4));
        await s.SendAsync(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)));
        // Then garbage the agent must not buffer: it has closed at the header already.
        try { await s.SendAsync(new byte[60_000]); } catch (SocketException) { }
        var (end, data) = await ReadToCloseAsync(s);
        Assert.Equal(0, end);
        Assert.Empty(data);
        // The agent still answers, over TCP too, and counted the frame as a parse error.
        await Task.Delay(200);
        var r = await ExternalTool.RunAsync("snmpget", "-v2c", "-c", agent.Community, "-On", "-t", "5", "-r", "1", $"tcp:127.0.0.1:{agent.Port4}", "1.3.6.1.2.1.11.6.0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(".1.3.6.1.2.1.11.6.0 = Counter32: 1", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task sock_snmp_over_tcp_to_a_closed_port_is_one_line_and_exit_1()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        l.Dispose(); // nothing listens there now
        var r = await SockRunner.RunAsync(["snmp", "get", "-c", "x", "-t", "2", $"tcp:127.0.0.1:{port}", "1.3.6.1.2.1.1.5.0"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StderrLines);
        Assert.Contains("refused", r.Stderr, StringComparison.Ordinal);
    }
}
