using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// sock agent --engine-boots-file keeps the SNMPv3 engine across runs as snmpd's persistent file does: the same engine
/// ID, and engineBoots one more at each start, seen by net-snmp's snmpget in a v3 exchange.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class AgentEngineBootsTests
{
    private static readonly string[] Alice = ["-v3", "-u", "alice", "-l", "authPriv", "-a", "SHA-256", "-A", "alice-auth-pass", "-x", "AES", "-X", "alice-priv-pass", "-On", "-t", "5", "-r", "1"];

    private static async Task<(string EngineId, int Boots, string SnmpBoots)> RunOnceAsync(TempDirectory dir)
    {
        await using var agent = await AgentProcess.StartAsync($"--users {dir.File("users.conf")} --engine-boots-file {dir.File("engine.conf")}");
        var line = agent.Process.StderrLines.Select(l => EngineLine().Match(l)).First(m => m.Success);
        var r = await ExternalTool.RunAsync("snmpget", [.. Alice, agent.Target(Transports.Udp4), "1.3.6.1.6.3.10.2.1.2.0", "1.3.6.1.6.3.10.2.1.1.0"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return (line.Groups[1].Value, int.Parse(line.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), r.Stdout);
    }

    [Fact]
    public async Task a_restarted_agent_keeps_its_engine_id_and_counts_engine_boots_up()
    {
        if (!AgentProcess.PeersInstalled) return;
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass AES alice-priv-pass\n");

        var first = await RunOnceAsync(dir);
        Assert.Equal(1, first.Boots);
        Assert.Contains(".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: 1", first.SnmpBoots, StringComparison.Ordinal);
        var second = await RunOnceAsync(dir);
        var third = await RunOnceAsync(dir);
        Assert.Equal(first.EngineId, second.EngineId);
        Assert.Equal(first.EngineId, third.EngineId);
        Assert.Equal(2, second.Boots);
        Assert.Equal(3, third.Boots);
        // The v3 exchange (discovery, then the authPriv GET) is with boots 3: snmpEngineBoots.0 says so.
        Assert.Contains(".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: 3", third.SnmpBoots, StringComparison.Ordinal);
        // The file is net-snmp's two lines, owner-only.
        var state = await File.ReadAllTextAsync(dir.File("engine.conf"));
        Assert.Contains("engineBoots 3\n", state, StringComparison.Ordinal);
        Assert.Contains($"oldEngineID {first.EngineId}\n", state, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("engine.conf")));
    }

    [Fact]
    public async Task another_engine_id_starts_its_boots_again_at_one()
    {
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass\n");
        await File.WriteAllTextAsync(dir.File("engine.conf"), "engineBoots 41\noldEngineID 0x80001f8805aabbccddeeff\n");
        await using (var agent = await AgentProcess.StartAsync($"--users {dir.File("users.conf")} --engine-boots-file {dir.File("engine.conf")}"))
            Assert.Contains(agent.Process.StderrLines, l => l.Contains("engine ID 0x80001f8805aabbccddeeff, boots 42", StringComparison.Ordinal));
        await using (var agent = await AgentProcess.StartAsync($"--users {dir.File("users.conf")} --engine-id 0x80001f880511223344 --engine-boots-file {dir.File("engine.conf")}"))
            Assert.Contains(agent.Process.StderrLines, l => l.Contains("engine ID 0x80001f880511223344, boots 1", StringComparison.Ordinal));
        Assert.Contains("engineBoots 1\n", await File.ReadAllTextAsync(dir.File("engine.conf")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_bad_engine_boots_file_is_one_line_and_exit_2()
    {
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass\n");
        await File.WriteAllTextAsync(dir.File("engine.conf"), "engineBoots many\n");
        var line = await SockRunner.UsageErrorAsync($"agent --users {dir.File("users.conf")} --port 0 --engine-boots-file {dir.File("engine.conf")}");
        Assert.Contains("line 1: engineBoots is 1 to 2147483647", line, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"engine ID (0x[0-9a-f]+), boots (\d+)")]
    private static partial Regex EngineLine();
}
