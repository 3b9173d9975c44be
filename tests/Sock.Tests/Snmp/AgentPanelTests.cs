using System.Net.Sockets;
using System.Text.Json;
using Sock.Tests.Serving;
using Sock.Tests.Support;
using Sock.Tests.Ui;

namespace Sock.Tests.Snmp;

/// <summary>
/// An agent shows in sock ui as a panel (issue 18: "a panel per running sock server/forwarder/proxy/agent that was started
/// with --ui or --agent"): sock agent --ui, and the agent of serve/forward/proxy --agent, each open agent-PID.sock in the
/// runtime directory (a fresh XDG_RUNTIME_DIR here), whose panel counts net-snmp's requests by PDU type, exactly.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AgentPanelTests
{
    private static bool PeersInstalled => ExternalTool.Exists("snmpget") && ExternalTool.Exists("snmpbulkget") && ExternalTool.Exists("snmpgetnext");



    private static Dictionary<string, long> Counters(JsonElement panel) =>
        panel.GetProperty("counters").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());

    private static async Task WaitForFileAsync(string path)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (!File.Exists(path))
        {
            Assert.True(Environment.TickCount64 < deadline, $"{path} not made within 30 s");
            await Task.Delay(50);
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Snmp(string tool, string community, int port, params string[] args) =>
        ExternalTool.RunAsync(tool, ["-v", "2c", "-c", community, "-On", "-t", "5", "-r", "0", $"udp:127.0.0.1:{port}", .. args]);

    [Fact]
    public async Task sock_agent_with_ui_is_a_panel_counting_requests_by_pdu_type_and_leaves_when_it_stops()
    {
        if (!PeersInstalled) return;
        using var runtime = new TempDirectory("sock-agent-ui-");
        var community = "c" + Guid.NewGuid().ToString("N")[..12];
        await using var agent = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "agent", "-c", community, "--bind", "127.0.0.1", "--port", "0", "--ui"), expectListeners: 1);
        var port = agent.Port("snmp", "udp");
        var statusSocket = Path.Combine(runtime.Path, "sock", $"agent-{agent.Pid}.sock");
        await WaitForFileAsync(statusSocket);

        Assert.Equal(0, (await Snmp("snmpget", community, port, "1.3.6.1.2.1.1.3.0")).ExitCode);
        Assert.Equal(0, (await Snmp("snmpget", community, port, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.1.0")).ExitCode);
        Assert.Equal(0, (await Snmp("snmpgetnext", community, port, "1.3.6.1.2.1.1")).ExitCode);
        Assert.Equal(0, (await Snmp("snmpbulkget", community, port, "-Cr3", "1.3.6.1.2.1.1")).ExitCode);
        // A wrong community is not answered (snmpget times out after one try), only counted.
        var wrong = await ExternalTool.RunAsync("snmpget", "-v", "2c", "-c", "not-" + community, "-t", "1", "-r", "0", $"udp:127.0.0.1:{port}", "1.3.6.1.2.1.1.3.0");
        Assert.NotEqual(0, wrong.ExitCode);

        var panel = await StatusSocket.ReadAsync(statusSocket);
        Assert.Equal(agent.Pid, panel.GetProperty("pid").GetInt32());
        Assert.Equal("agent", panel.GetProperty("command").GetString());
        var c = Counters(panel);
        Assert.Equal(5, c["requests"]);
        Assert.Equal(4, c["answered"]);
        Assert.Equal(2, c["get"]);
        Assert.Equal(1, c["getnext"]);
        Assert.Equal(1, c["getbulk"]);
        Assert.Equal(0, c["set"]);
        Assert.Equal(1, c["unknown community"]);
        Assert.Equal(0, c["malformed"]);
        var rows = panel.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetString()).ToArray()).ToList();
        Assert.Contains(rows, r => r[0] == "udp" && r[1] == $"127.0.0.1:{port}");

        await agent.SignalAsync("TERM");
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(statusSocket), "sock agent left its status socket behind");
    }

    [Fact]
    public async Task serve_with_agent_shows_the_agent_as_a_panel_of_its_own()
    {
        if (!PeersInstalled) return;
        using var runtime = new TempDirectory("sock-agent-ui-");
        var community = "c" + Guid.NewGuid().ToString("N")[..12];
        await using var serve = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "serve", "echo", "--tcp", "--bind", "127.0.0.1", "--port", "0",
            "--agent", "127.0.0.1:0", "--agent-community", community), expectListeners: 2);
        var statusSocket = Path.Combine(runtime.Path, "sock", $"agent-{serve.Pid}.sock");
        await WaitForFileAsync(statusSocket);
        var sockMib = await Snmp("snmpget", community, serve.Port("snmp", "udp"), Sock.Core.Snmp.SockMib.Server + ".1.0");
        Assert.Contains("STRING: \"serve\"", sockMib.Stdout, StringComparison.Ordinal);

        var panel = await StatusSocket.ReadAsync(statusSocket);
        Assert.Equal("serve --agent", panel.GetProperty("command").GetString());
        var c = Counters(panel);
        Assert.Equal(1, c["get"]);
        Assert.Equal(1, c["answered"]);
        // --ui was not given: the server itself has no panel, the agent does.
        Assert.False(File.Exists(Path.Combine(runtime.Path, "sock", $"serve-{serve.Pid}.sock")));

        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(statusSocket), "serve left its agent's status socket behind");
    }
}
