using System.Globalization;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// Notifications against net-snmp's snmptrapd: sock agent's coldStart at start (--trap-to, as a v2c or v3 trap, or an
/// inform retried until acknowledged), and sock snmp trap/inform sending what snmptrap/snmpinform send.
/// </summary>
public sealed partial class AgentNotificationTests
{
    private const string EngineId = "0x80001f8804736f636b74657374";

    // net-snmp's snmptrap sends from an engine of its own: snmptrapd keeps each sender engine's boots and time (RFC 3414
    // §3.2 step 7b), and snmptrap's time (this machine's uptime) would put a new sender with the same ID out of its window.
    private const string NetSnmpEngineId = "0x80001f88046e65742d736e6d70";

    // snmptrapd's users: a trap's keys are localised to the sender's engine (createUser -e), an inform's to snmptrapd's own.
    private const string TrapdUsers = $"""
        createUser -e {EngineId} trapper SHA-256 trap-auth-pass AES trap-priv-pass
        createUser -e {NetSnmpEngineId} trapper SHA-256 trap-auth-pass AES trap-priv-pass
        authUser log,execute,net trapper
        createUser informer SHA informer-auth AES informer-priv
        authUser log,execute,net informer
        """;

    private const string AgentUsers = """
        createUser trapper SHA-256 trap-auth-pass AES trap-priv-pass
        createUser informer SHA informer-auth AES informer-priv
        """;

    private static bool Installed => SnmptrapdProcess.Installed && AgentProcess.PeersInstalled;

    [Theory]
    [InlineData("trap", "2c")]
    [InlineData("inform", "2c")]
    [InlineData("trap", "3")]
    [InlineData("inform", "3")]
    public async Task the_agent_sends_a_cold_start_at_start_that_snmptrapd_logs(string kind, string version)
    {
        if (!Installed) return;
        await using var trapd = await SnmptrapdProcess.StartAsync(TrapdUsers);
        using var dir = new TempDirectory("sock-agent-trap-");
        File.WriteAllText(dir.File("users.conf"), AgentUsers);
        var user = kind == "trap" ? "trapper" : "informer";
        var v3 = version == "3" ? $"--users {dir.File("users.conf")} --engine-id {EngineId} --trap-user {user} " : "";
        await using var agent = await AgentProcess.StartAsync($"{v3}--trap-to {trapd.Target}{(version == "2c" ? $" --trap-community {trapd.Community}" : "")}{(kind == "inform" ? " --inform" : "")}");

        var logged = await trapd.WaitForAsync(".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1", TimeSpan.FromSeconds(20));
        Assert.True(logged is not null, "snmptrapd logged no coldStart:\n" + string.Join('\n', trapd.Lines) + "\n" + string.Join('\n', agent.Process.StderrLines));
        // sysUpTime.0 first: the agent's own uptime (it has just started), not the machine's.
        var ticks = long.Parse(UpTime().Match(logged).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(ticks, 0, 6000);
        Assert.Contains(".1.3.6.1.6.3.1.1.4.3.0 = OID: .1.3.6.1.4.1.8072.3.2.10", logged, StringComparison.Ordinal);
        var said = await agent.Process.WaitForStderrAsync(l => l.StartsWith("sock agent: coldStart", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Contains(kind == "trap" ? "trap sent to" : "inform to", said, StringComparison.Ordinal);
        if (kind == "inform") Assert.Contains("acknowledged", said, StringComparison.Ordinal);
        Assert.Contains(version == "3" ? $"v3 user {user} authPriv" : "(v2c)", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_inform_is_sent_again_until_the_receiver_is_up_and_acknowledges_it()
    {
        if (!Installed) return;
        var port = SnmptrapdProcess.FreeUdpPort();
        var community = "t" + Guid.NewGuid().ToString("N")[..12];
        // Nothing listens yet: the first tries are refused (ICMP port unreachable) or unanswered, as a receiver still booting.
        await using var agent = await AgentProcess.StartAsync($"--trap-to 127.0.0.1:{port} --inform -t 300ms -r 60 --trap-community {community}");
        await Task.Delay(1000);
        Assert.DoesNotContain(agent.Process.StderrLines, l => l.StartsWith("sock agent: coldStart", StringComparison.Ordinal));
        await using var trapd = await StartOnAsync(port, community);
        var said = await agent.Process.WaitForStderrAsync(l => l.StartsWith("sock agent: coldStart", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Contains("acknowledged", said, StringComparison.Ordinal);
        Assert.NotNull(await trapd.WaitForAsync(".1.3.6.1.6.3.1.1.5.1", TimeSpan.FromSeconds(5)));
    }

    // snmptrapd with a given community on a given port (its config is generated with a random one: replace it).
    private static async Task<SnmptrapdProcess> StartOnAsync(int port, string community) =>
        await SnmptrapdProcess.StartAsync($"authCommunity log,execute,net {community}", port);

    public static TheoryData<string, string> KindsAndVersions => new() { { "trap", "2c" }, { "inform", "2c" }, { "trap", "3" }, { "inform", "3" } };

    [Theory]
    [MemberData(nameof(KindsAndVersions))]
    public async Task sock_snmp_trap_and_inform_are_logged_as_snmptrap_and_snmpinform_are(string kind, string version)
    {
        if (!Installed) return;
        await using var trapd = await SnmptrapdProcess.StartAsync(TrapdUsers);
        string[] Security(string engineId) => version == "2c" ? ["-v", "2c", "-c", trapd.Community]
            : kind == "trap" ? ["-v", "3", "-e", engineId, "-u", "trapper", "-l", "authPriv", "-a", "SHA-256", "-A", "trap-auth-pass", "-x", "AES", "-X", "trap-priv-pass"]
            : ["-v", "3", "-u", "informer", "-l", "authPriv", "-a", "SHA", "-A", "informer-auth", "-x", "AES", "-X", "informer-priv"];
        string[] Notification(string marker) => [trapd.Target, "4242", "1.3.6.1.6.3.1.1.5.2", "1.3.6.1.2.1.1.5.0", "s", marker, "1.3.6.1.2.1.1.7.0", "i", "72",
            "1.3.6.1.2.1.1.2.0", "o", "1.3.6.1.4.1.8072.3.2.10", "1.3.6.1.2.1.4.20.1.1.127.0.0.1", "a", "127.0.0.1", "1.3.6.1.2.1.2.2.1.6.1", "x", "52 54 00 12 34 56",
            "1.3.6.1.2.1.2.2.1.10.1", "c", "123456", "1.3.6.1.2.1.2.2.1.5.1", "u", "1000000000", "1.3.6.1.2.1.31.1.1.1.6.1", "C", "12345678901234"];

        var net = await ExternalTool.RunAsync(kind == "trap" ? "snmptrap" : "snmpinform", [.. Security(NetSnmpEngineId), "-t", "5", "-r", "2", .. Notification("from-net-snmp")]);
        Assert.True(net.ExitCode == 0, net.Stderr);
        var sock = await SockRunner.RunAsync(["snmp", kind, .. Security(EngineId), "-t", "5", "-r", "2", .. Notification("from-sock")]);
        Assert.True(sock.ExitCode == 0, sock.Stderr);
        Assert.Equal("", sock.Stdout);

        var fromNet = await trapd.WaitForAsync("from-net-snmp", TimeSpan.FromSeconds(10));
        var fromSock = await trapd.WaitForAsync("from-sock", TimeSpan.FromSeconds(10));
        Assert.NotNull(fromNet);
        Assert.NotNull(fromSock);
        Assert.Equal(fromNet.Replace("from-net-snmp", "X", StringComparison.Ordinal), fromSock.Replace("from-sock", "X", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("snmp trap -c x 127.0.0.1:9 0 coldStart sysName.0 s", "three words")]
    [InlineData("snmp trap -c x 127.0.0.1:9 soon coldStart", "uptime soon")]
    [InlineData("snmp trap -c x 127.0.0.1:9 0 nosuchtrap", "nosuchtrap")]
    [InlineData("snmp inform -v 1 -c x 127.0.0.1:9 0 coldStart", "SNMPv1's Trap-PDU is not supported")]
    [InlineData("snmp trap -c x 127.0.0.1:9 0 coldStart sysName.0 q hello", "unknown type")]
    [InlineData("agent -c x --port 0 --inform", "--inform: applies to --trap-to only")]
    [InlineData("agent -c x --port 0 --trap-to 127.0.0.1:9 --trap-user bob", "needs --users FILE")]
    [InlineData("agent -c x --port 0 --trap-community y", "--trap-community: applies to --trap-to only")]
    public async Task bad_notification_input_is_one_line_and_exit_2(string args, string reason)
    {
        Assert.Contains(reason, await SockRunner.UsageErrorAsync(args), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: \((\d+)\)")]
    private static partial Regex UpTime();
}
