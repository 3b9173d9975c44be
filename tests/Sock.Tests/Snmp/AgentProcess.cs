using System.Globalization;
using System.Text.RegularExpressions;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// The built sock running `sock agent` on 127.0.0.1 and ::1 (port 0 each) with a random community, and net-snmp's
/// command-line tools pointed at it.
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private AgentProcess(ServeProcess process, string community, int port4, int port6)
    {
        Process = process;
        Community = community;
        Port4 = port4;
        Port6 = port6;
    }

    public ServeProcess Process { get; }
    public string Community { get; }
    public int Port4 { get; }
    public int Port6 { get; }

    public static bool PeersInstalled => ExternalTool.Exists("snmpget") && ExternalTool.Exists("snmpbulkwalk");

    public static async Task<AgentProcess> StartAsync(string extra = "")
    {
        var community = "c" + Guid.NewGuid().ToString("N")[..12];
        var p = await ServeProcess.StartAsync($"agent -c {community} --bind 127.0.0.1 --bind ::1 --port 0 {(extra.Contains("--cache", StringComparison.Ordinal) ? "" : "--cache 200ms ")}{extra}", 1);
        var deadline = Environment.TickCount64 + 10_000;
        while (p.StderrLines.Count(l => l.StartsWith("serving snmp", StringComparison.Ordinal)) < 2 && Environment.TickCount64 < deadline)
            await Task.Delay(20);
        int PortOf(string host) => int.Parse(p.StderrLines.Select(l => Bound().Match(l)).First(m => m.Success && m.Groups[1].Value == host).Groups[2].Value, CultureInfo.InvariantCulture);
        return new AgentProcess(p, community, PortOf("127.0.0.1"), PortOf("[::1]"));
    }

    /// <summary>net-snmp's address for the agent over udp4 or udp6.</summary>
    public string Target(string transport) => transport == Transports.Udp6 ? $"udp6:[::1]:{Port6}" : $"udp:127.0.0.1:{Port4}";

    /// <summary>Runs a net-snmp tool (snmpget, snmpwalk…) against the agent with numeric output.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string version, string transport, params string[] args) =>
        ExternalTool.RunAsync(tool, ["-v", version, "-c", Community, "-On", "-t", "5", "-r", "2", Target(transport), .. args]);

    public async ValueTask DisposeAsync() => await Process.DisposeAsync();

    [GeneratedRegex(@"^serving snmp \(.*\) on udp (.+):(\d+)$")]
    private static partial Regex Bound();
}
