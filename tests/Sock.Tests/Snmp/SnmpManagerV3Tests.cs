using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// sock snmp -v 3 as the manager: against the test's own snmpd with v3 users (compared with net-snmp's snmpwalk -v3 of
/// the same agent), against sock agent with v3 users, and each Report turned into net-snmp's words.
/// </summary>
public sealed class SnmpManagerV3Tests
{
    private const string SnmpdUsers = """
        createUser sha256auth SHA-256 auth-pass-256
        createUser shaaes SHA auth-pass-sha AES priv-pass-sha
        rouser sha256auth auth
        rouser shaaes priv
        """;

    public static TheoryData<string, string> TransportsAndSecurity
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var t in new[] { Transports.Udp4, Transports.Udp6 })
            {
                data.Add(t, "-u sha256auth -l authNoPriv -a SHA-256 -A auth-pass-256");
                data.Add(t, "-u shaaes -l authPriv -a SHA -A auth-pass-sha -x AES -X priv-pass-sha");
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(TransportsAndSecurity))]
    public async Task walk_v3_of_snmpd_equals_snmpwalk_v3(string transport, string security)
    {
        if (!SnmpdProcess.Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync(SnmpdUsers);
        var v3 = security.Split(' ');
        foreach (var (verb, tool, root) in new[] { ("walk", "snmpwalk", "1.3.6.1.2.1.1"), ("bulkwalk", "snmpbulkwalk", "1.3.6.1.2.1.2") })
        {
            var theirs = await ExternalTool.RunAsync(tool, ["-v3", .. v3, "-On", snmpd.Target(transport), root]);
            var ours = await SockRunner.RunAsync(["snmp", verb, "-v", "3", .. v3, "-On", "--no-mibs", snmpd.Target(transport), root]);
            Assert.True(theirs.ExitCode == 0, theirs.Stderr);
            Assert.True(ours.ExitCode == 0, ours.ToString());
            Assert.True(SnmpManagerTests.NormaliseWalk(theirs.Stdout).Count > 3, theirs.Stdout);
            Assert.Equal(SnmpManagerTests.NormaliseWalk(theirs.Stdout), SnmpManagerTests.NormaliseWalk(ours.Stdout));
        }
    }

    [Theory]
    [InlineData("tcp:127.0.0.1")]
    [InlineData("tcp6:[::1]")]
    public async Task get_and_walks_v3_authpriv_over_tcp_of_snmpd_equal_net_snmps(string tcp)
    {
        if (!SnmpdProcess.Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync(SnmpdUsers, tcp: true);
        var target = $"{tcp}:{snmpd.Port}";
        string[] v3 = ["-u", "shaaes", "-l", "authPriv", "-a", "SHA", "-A", "auth-pass-sha", "-x", "AES", "-X", "priv-pass-sha"];
        var theirsGet = await ExternalTool.RunAsync("snmpget", ["-v3", .. v3, "-On", "-t", "5", target, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0"]);
        var oursGet = await SockRunner.RunAsync(["snmp", "get", "-v", "3", .. v3, "-On", "--no-mibs", "-t", "5", target, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0"]);
        Assert.True(theirsGet.ExitCode == 0, theirsGet.Stderr);
        Assert.True(oursGet.ExitCode == 0, oursGet.ToString());
        Assert.Contains(".1.3.6.1.2.1.1.6.0 = STRING: \"sock test\"", oursGet.Stdout, StringComparison.Ordinal);
        Assert.Equal(theirsGet.Stdout, oursGet.Stdout);
        foreach (var (verb, tool, root) in new[] { ("walk", "snmpwalk", "1.3.6.1.2.1.1"), ("bulkwalk", "snmpbulkwalk", "1.3.6.1.2.1.2") })
        {
            var theirs = await ExternalTool.RunAsync(tool, ["-v3", .. v3, "-On", "-t", "5", target, root]);
            var ours = await SockRunner.RunAsync(["snmp", verb, "-v", "3", .. v3, "-On", "--no-mibs", "-t", "5", target, root]);
            Assert.True(theirs.ExitCode == 0, theirs.Stderr);
            Assert.True(ours.ExitCode == 0, ours.ToString());
            Assert.True(SnmpManagerTests.NormaliseWalk(theirs.Stdout).Count > 3, theirs.Stdout);
            Assert.Equal(SnmpManagerTests.NormaliseWalk(theirs.Stdout), SnmpManagerTests.NormaliseWalk(ours.Stdout));
        }
        // snmpd's Report over the connection is one line in net-snmp's words.
        var wrong = await SockRunner.RunAsync(["snmp", "get", "-v", "3", "-u", "shaaes", "-l", "authPriv", "-a", "SHA", "-A", "wrong-password", "-x", "AES", "-X", "priv-pass-sha",
            "-t", "5", target, "sysName.0"]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(["sock: snmp request to " + (tcp.StartsWith("tcp6", StringComparison.Ordinal) ? "[::1]" : "127.0.0.1") + $":{snmpd.Port} failed: Authentication failure (incorrect password, community or key)"],
            wrong.StderrLines);
    }

    [Theory]
    [InlineData("-u nosuchuser -l authNoPriv -a SHA-256 -A auth-pass-256", "Unknown user name")]
    [InlineData("-u sha256auth -l authNoPriv -a SHA-256 -A wrong-password", "Authentication failure (incorrect password, community or key)")]
    [InlineData("-u sha256auth -l authPriv -a SHA-256 -A auth-pass-256 -x AES -X priv-pass-256", "Unsupported security level")]
    public async Task a_report_from_snmpd_is_one_line_in_net_snmps_words_and_exit_1(string security, string words)
    {
        if (!SnmpdProcess.Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync(SnmpdUsers);
        var theirs = await ExternalTool.RunAsync("snmpget", ["-v3", .. security.Split(' '), "-On", snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0"]);
        Assert.Contains($"snmpget: {words}", theirs.Stderr, StringComparison.Ordinal);
        var ours = await SockRunner.RunAsync(["snmp", "get", "-v", "3", .. security.Split(' '), snmpd.Target(Transports.Udp4), "sysName.0"]);
        Assert.Equal(1, ours.ExitCode);
        Assert.Equal([$"sock: snmp request to 127.0.0.1:{snmpd.Port} failed: {words}"], ours.StderrLines);
    }

    [Fact]
    public async Task a_known_engine_id_skips_discovery_and_the_time_is_learnt_from_the_not_in_time_window_report()
    {
        if (!SnmpdProcess.Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync(SnmpdUsers);
        var id = await ExternalTool.RunAsync("snmpget", "-v2c", "-c", snmpd.Community, "-Ov", "-Ox", snmpd.Target(Transports.Udp4), "1.3.6.1.6.3.10.2.1.1.0");
        var hex = "0x" + string.Concat(id.Stdout.Replace("Hex-STRING:", "", StringComparison.Ordinal).Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.True(hex.Length > 10, id.Stdout + id.Stderr);
        // -v to see the exchange is not needed: with -e and boots/time 0 the first answer can only be the report.
        var ours = await SockRunner.RunAsync(["snmp", "get", "-v", "3", "-u", "shaaes", "-l", "authPriv", "-a", "SHA", "-A", "auth-pass-sha", "-x", "AES", "-X", "priv-pass-sha",
            "-e", hex, "-On", "--no-mibs", snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0"]);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING:", ours.Stdout, StringComparison.Ordinal);
        // A wrong engine ID is not the agent's: snmpd reports it, and there is no discovery to fall back on.
        var wrong = await SockRunner.RunAsync(["snmp", "get", "-v", "3", "-u", "shaaes", "-l", "authNoPriv", "-a", "SHA", "-A", "auth-pass-sha",
            "-e", "0x80001f880501020304", snmpd.Target(Transports.Udp4), "sysName.0"]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal([$"sock: snmp request to 127.0.0.1:{snmpd.Port} failed: Unknown engine ID"], wrong.StderrLines);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task against_sock_agent_v3_walks_equal_the_v2c_walk_and_failures_are_said(string transport)
    {
        if (!AgentProcess.PeersInstalled) return;
        using var dir = new TempDirectory("sock-snmp-v3-");
        File.WriteAllText(dir.File("users.conf"), "createUser sha512aes SHA-512 auth-pass-512 AES priv-pass-512\n");
        await using var agent = await AgentProcess.StartAsync($"--users {dir.File("users.conf")} --cache 60s");
        var v2c = await SockRunner.RunAsync(["snmp", "bulkwalk", "-c", agent.Community, "-On", "--no-mibs", agent.Target(transport), "1.3.6.1.2.1.1"]);
        var v3 = await SockRunner.RunAsync(["snmp", "bulkwalk", "-v", "3", "-u", "sha512aes", "-l", "authPriv", "-a", "SHA-512", "-A", "auth-pass-512",
            "-x", "AES", "-X", "priv-pass-512", "-On", "--no-mibs", agent.Target(transport), "1.3.6.1.2.1.1"]);
        Assert.True(v2c.ExitCode == 0 && v3.ExitCode == 0, v2c.ToString() + v3);
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING:", v3.Stdout, StringComparison.Ordinal);
        Assert.Equal(v2c.Stdout, v3.Stdout);
        var port = transport == Transports.Udp6 ? $"[::1]:{agent.Port6}" : $"127.0.0.1:{agent.Port4}";
        var wrongPriv = await SockRunner.RunAsync(["snmp", "get", "-v", "3", "-u", "sha512aes", "-l", "authPriv", "-a", "SHA-512", "-A", "auth-pass-512",
            "-x", "AES", "-X", "wrong-priv-512", agent.Target(transport), "sysName.0"]);
        Assert.Equal(1, wrongPriv.ExitCode);
        Assert.Equal([$"sock: snmp request to {port} failed: Decryption error"], wrongPriv.StderrLines);
        var context = await SockRunner.RunAsync(["snmp", "get", "-v", "3", "-u", "sha512aes", "-l", "authPriv", "-a", "SHA-512", "-A", "auth-pass-512",
            "-x", "AES", "-X", "priv-pass-512", "-n", "bridge1", agent.Target(transport), "sysName.0"]);
        Assert.Equal(1, context.ExitCode);
        Assert.Contains("Unknown context \"bridge1\"", context.Stderr, StringComparison.Ordinal);
    }
}
