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

    // The agent on a fixed UDP port of 127.0.0.1, its state directory XDG_STATE_HOME=stateHome; its stderr once it serves.
    private static async Task<IReadOnlyList<string>> RunOnFixedPortAsync(TempDirectory dir, string stateHome, int port, params string[] extra)
    {
        string[] args = ["agent", "--users", dir.File("users.conf"), "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra];
        await using var agent = await Sock.Tests.Serving.ServeProcess.StartAsync(SockRunner.Command(args, ["env", $"XDG_STATE_HOME={stateHome}"]), expectListeners: 1);
        var r = await ExternalTool.RunAsync("snmpget", [.. Alice, $"udp:127.0.0.1:{port}", "1.3.6.1.6.3.10.2.1.2.0"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return agent.StderrLines;
    }

    private static int FreeUdpPort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static (string EngineId, int Boots) EngineOf(IReadOnlyList<string> stderr)
    {
        var m = stderr.Select(l => EngineLine().Match(l)).First(m => m.Success);
        return (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task by_default_an_agent_with_users_on_a_fixed_port_keeps_its_engine_in_the_users_state_directory()
    {
        if (!AgentProcess.PeersInstalled) return;
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass AES alice-priv-pass\n");
        var stateHome = dir.File("state");
        var port = FreeUdpPort();
        var state = Path.Combine(stateHome, "sock", $"agent-{port}.conf");

        var first = await RunOnFixedPortAsync(dir, stateHome, port);
        var second = await RunOnFixedPortAsync(dir, stateHome, port);
        Assert.Equal((EngineOf(first).EngineId, 1), EngineOf(first));
        Assert.Equal((EngineOf(first).EngineId, 2), EngineOf(second));
        Assert.Contains(second, l => l.Contains($"(kept in {state})", StringComparison.Ordinal));
        Assert.Contains("engineBoots 2\n", await File.ReadAllTextAsync(state), StringComparison.Ordinal);
        // Made by sock, so owner-only, as snmpd's persistent directory.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(state)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state));

        // --new-engine keeps nothing: another engine, boots 1, and the kept one untouched for the next run.
        var fresh = await RunOnFixedPortAsync(dir, stateHome, port, "--new-engine");
        Assert.NotEqual(EngineOf(first).EngineId, EngineOf(fresh).EngineId);
        Assert.Equal(1, EngineOf(fresh).Boots);
        Assert.Contains("engineBoots 2\n", await File.ReadAllTextAsync(state), StringComparison.Ordinal);
        Assert.Equal((EngineOf(first).EngineId, 3), EngineOf(await RunOnFixedPortAsync(dir, stateHome, port)));
    }

    [Fact]
    public async Task a_default_state_directory_that_cannot_be_made_is_a_warning_and_a_new_engine()
    {
        if (!AgentProcess.PeersInstalled) return;
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass AES alice-priv-pass\n");
        // XDG_STATE_HOME is a file, so its sock directory cannot be made (root is not stopped by permissions).
        await File.WriteAllTextAsync(dir.File("not-a-directory"), "");
        var stderr = await RunOnFixedPortAsync(dir, dir.File("not-a-directory"), FreeUdpPort());
        Assert.Contains(stderr, l => l.StartsWith("sock agent: warning: the engine is not kept (", StringComparison.Ordinal) && l.EndsWith("this run is a new engine", StringComparison.Ordinal));
        Assert.Equal(1, EngineOf(stderr).Boots);
        Assert.Equal("", await File.ReadAllTextAsync(dir.File("not-a-directory")));
    }

    [Fact]
    public async Task new_engine_and_an_engine_boots_file_together_are_a_usage_error()
    {
        using var dir = new TempDirectory("sock-agent-boots-");
        await File.WriteAllTextAsync(dir.File("users.conf"), "createUser alice SHA-256 alice-auth-pass\n");
        var line = await SockRunner.UsageErrorAsync($"agent --users {dir.File("users.conf")} --port 0 --new-engine --engine-boots-file {dir.File("engine.conf")}");
        Assert.Contains("--new-engine", line, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("engine.conf")));
    }

    [GeneratedRegex(@"engine ID (0x[0-9a-f]+), boots (\d+)")]
    private static partial Regex EngineLine();
}
