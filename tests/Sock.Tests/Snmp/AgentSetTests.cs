using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// SetRequest on sock agent's writable part (sysContact.0, sysName.0, sysLocation.0) with net-snmp's snmpset, each
/// refusal compared with snmpd's answer to the same Set; and sock snmp set against snmpd, equal to snmpset.
/// </summary>
public sealed class AgentSetTests
{
    private static bool Installed => AgentProcess.PeersInstalled && SnmpdProcess.Installed;

    private static Task<(int ExitCode, string Stdout, string Stderr)> Snmp(string tool, string version, string community, string target, params string[] args) =>
        ExternalTool.RunAsync(tool, ["-v", version, "-c", community, "-On", "-t", "5", "-r", "2", target, .. args]);

    [Theory]
    [InlineData("1")]
    [InlineData("2c")]
    public async Task snmpset_with_the_rw_community_changes_what_snmpget_reads(string version)
    {
        if (!Installed) return;
        var rw = "w" + Guid.NewGuid().ToString("N")[..12];
        await using var agent = await AgentProcess.StartAsync($"--rwcommunity {rw}");
        var set = await Snmp("snmpset", version, rw, agent.Target(Transports.Udp4), "1.3.6.1.2.1.1.4.0", "s", "ops@example.org", "1.3.6.1.2.1.1.5.0", "s", "renamed-16", "1.3.6.1.2.1.1.6.0", "s", "rack 4");
        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING: \"renamed-16\"", set.Stdout, StringComparison.Ordinal);
        // Read back with the read-only community, over the other family: one agent, one value.
        var get = await agent.RunAsync("snmpget", version, Transports.Udp6, "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0");
        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Equal(".1.3.6.1.2.1.1.4.0 = STRING: \"ops@example.org\"\n.1.3.6.1.2.1.1.5.0 = STRING: \"renamed-16\"\n.1.3.6.1.2.1.1.6.0 = STRING: \"rack 4\"\n", get.Stdout);
    }

    public static TheoryData<string, string, string[]> Refusals
    {
        get
        {
            var data = new TheoryData<string, string, string[]>();
            foreach (var v in new[] { "1", "2c" })
            {
                data.Add(v, "ro", ["1.3.6.1.2.1.1.5.0", "s", "x"]);                 // a read-only community: noAccess
                data.Add(v, "rw", ["1.3.6.1.2.1.1.1.0", "s", "x"]);                 // sysDescr: notWritable
                data.Add(v, "rw", ["1.3.6.1.2.1.1.99.0", "s", "x"]);                // no such object: notWritable
                data.Add(v, "rw", ["1.3.6.1.2.1.1.5.0", "i", "5"]);                 // wrongType
                data.Add(v, "rw", ["1.3.6.1.2.1.1.5.0", "s", new string('a', 256)]); // wrongLength
                data.Add(v, "rw", ["1.3.6.1.2.1.1.5.0", "s", "half", "1.3.6.1.2.1.1.1.0", "s", "x"]); // the second fails: nothing set
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task a_refused_set_is_answered_as_snmpd_answers_it_and_changes_nothing(string version, string who, string[] varbinds)
    {
        if (!Installed) return;
        var rw = "w" + Guid.NewGuid().ToString("N")[..12];
        await using var agent = await AgentProcess.StartAsync($"--rwcommunity {rw}");
        await using var snmpd = await SnmpdProcess.StartAsync($"rwcommunity {rw} 127.0.0.1");
        var fromSnmpd = await Snmp("snmpset", version, who == "rw" ? rw : snmpd.Community, snmpd.Target(Transports.Udp4), varbinds);
        var fromSock = await Snmp("snmpset", version, who == "rw" ? rw : agent.Community, agent.Target(Transports.Udp4), varbinds);
        Assert.NotEqual(0, fromSnmpd.ExitCode);
        Assert.Equal(fromSnmpd.ExitCode, fromSock.ExitCode);
        Assert.Equal(fromSnmpd.Stderr, fromSock.Stderr);
        Assert.Equal(fromSnmpd.Stdout, fromSock.Stdout);
        var name = await agent.RunAsync("snmpget", version, Transports.Udp4, "1.3.6.1.2.1.1.5.0");
        Assert.Contains($"STRING: \"{Environment.MachineName}\"", name.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_rwuser_may_set_over_v3_and_a_read_only_user_may_not()
    {
        if (!Installed) return;
        using var dir = new TempDirectory("sock-agent-set-");
        File.WriteAllText(dir.File("users.conf"), """
            createUser writer SHA-256 writer-auth-pass AES writer-priv-pass
            createUser reader SHA-256 reader-auth-pass
            rwuser writer priv
            """);
        await using var agent = await AgentProcess.StartAsync($"--users {dir.File("users.conf")}");
        var write = await ExternalTool.RunAsync("snmpset", "-v3", "-u", "writer", "-l", "authPriv", "-a", "SHA-256", "-A", "writer-auth-pass", "-x", "AES", "-X", "writer-priv-pass",
            "-On", "-t", "5", "-r", "2", agent.Target(Transports.Udp4), "1.3.6.1.2.1.1.6.0", "s", "v3 wrote this");
        Assert.True(write.ExitCode == 0, write.Stderr);
        var read = await ExternalTool.RunAsync("snmpset", "-v3", "-u", "reader", "-l", "authNoPriv", "-a", "SHA-256", "-A", "reader-auth-pass",
            "-On", "-t", "5", "-r", "2", agent.Target(Transports.Udp4), "1.3.6.1.2.1.1.6.0", "s", "not this");
        Assert.NotEqual(0, read.ExitCode);
        Assert.Contains("Reason: noAccess", read.Stderr, StringComparison.Ordinal);
        var get = await agent.RunAsync("snmpget", "2c", Transports.Udp4, "1.3.6.1.2.1.1.6.0");
        Assert.Contains("STRING: \"v3 wrote this\"", get.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s", "sock-set-16")]
    [InlineData("x", "73 6f 63 6b")]
    [InlineData("d", "115.111.99.107")]
    public async Task sock_snmp_set_against_snmpd_does_what_snmpset_does(string type, string value)
    {
        if (!Installed) return;
        var rw = "w" + Guid.NewGuid().ToString("N")[..12];
        await using var snmpd = await SnmpdProcess.StartAsync($"rwcommunity {rw} 127.0.0.1");
        var net = await Snmp("snmpset", "2c", rw, snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0", type, value);
        Assert.True(net.ExitCode == 0, net.Stderr);
        var afterNet = await Snmp("snmpget", "2c", snmpd.Community, snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0");
        // Put something else there, so sock's Set is seen to change it back.
        Assert.Equal(0, (await Snmp("snmpset", "2c", rw, snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0", "s", "between")).ExitCode);

        var sock = await SockRunner.RunAsync(["snmp", "set", "-c", rw, "-On", "--no-mibs", "-t", "5", snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0", type, value]);
        Assert.True(sock.ExitCode == 0, sock.Stderr);
        Assert.Equal(net.Stdout, sock.Stdout);
        var afterSock = await Snmp("snmpget", "2c", snmpd.Community, snmpd.Target(Transports.Udp4), "1.3.6.1.2.1.1.5.0");
        Assert.Equal(afterNet.Stdout, afterSock.Stdout);
    }

    [Fact]
    public async Task sock_snmp_set_refused_is_one_line_naming_the_error()
    {
        if (!Installed) return;
        await using var snmpd = await SnmpdProcess.StartAsync();
        var sock = await SockRunner.RunAsync(["snmp", "set", "-c", snmpd.Community, "-t", "5", snmpd.Target(Transports.Udp4), "sysName.0", "s", "nope"]);
        Assert.Equal(1, sock.ExitCode);
        Assert.Single(sock.StderrLines);
        Assert.Contains("the agent answered noAccess at SNMPv2-MIB::sysName.0", sock.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("snmp set -c x 127.0.0.1:9 sysName.0 s", "three words")]
    [InlineData("snmp set -c x 127.0.0.1:9 sysName.0 i many", "INTEGER (i)")]
    [InlineData("snmp set -c x 127.0.0.1:9 sysName.0 x 4g", "hex STRING")]
    [InlineData("snmp set -c x 127.0.0.1:9 sysName.0 a 300.1.1.1", "IpAddress")]
    [InlineData("snmp set -c x 127.0.0.1:9 sysName.0 b 1", "MIB knowledge")]
    public async Task bad_set_input_is_one_line_and_exit_2(string args, string reason)
    {
        Assert.Contains(reason, await SockRunner.UsageErrorAsync(args), StringComparison.Ordinal);
    }
}
