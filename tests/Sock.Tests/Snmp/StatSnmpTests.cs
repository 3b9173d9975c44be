using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// sock stat --snmp HOST: another host's socket table over SNMP, against sock agent and net-snmp's snmpd; its rows
/// for the test's own sockets equal what net-snmp's snmpnetstat -Cp tcp lists, with the owning PID.
/// </summary>
public sealed partial class StatSnmpTests
{
    // A listener and an established pair on 127.0.0.1, owned by this process.
    private sealed class Sockets : IDisposable
    {
        public readonly Socket Listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        public readonly Socket Client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        public Socket? Accepted;
        public int Port => ((IPEndPoint)Listener.LocalEndPoint!).Port;

        public static async Task<Sockets> OpenAsync()
        {
            var s = new Sockets();
            s.Listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            s.Listener.Listen(4);
            await s.Client.ConnectAsync(s.Listener.LocalEndPoint!);
            s.Accepted = await s.Listener.AcceptAsync();
            return s;
        }

        public void Dispose()
        {
            Accepted?.Dispose();
            Client.Dispose();
            Listener.Dispose();
        }
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("snmpd")]
    public async Task stat_snmp_rows_equal_snmpnetstat_for_the_tests_sockets_with_their_pid(string peer)
    {
        if (!AgentProcess.PeersInstalled || !SnmpdProcess.Installed || !ExternalTool.Exists("snmpnetstat")) return;
        using var sockets = await Sockets.OpenAsync();
        // Started after the sockets, with one snapshot for every read.
        await using var agent = peer == "agent" ? await AgentProcess.StartAsync("--cache 60s") : null;
        await using var snmpd = peer == "snmpd" ? await SnmpdProcess.StartAsync() : null;
        var community = agent?.Community ?? snmpd!.Community;
        var target = agent?.Target(Transports.Udp4) ?? snmpd!.Target(Transports.Udp4);
        var port = sockets.Port;

        var netstat = await ExternalTool.RunAsync("snmpnetstat", "-v", "2c", "-c", community, "-t", "5", "-Can", "-Cp", "tcp", target);
        Assert.True(netstat.ExitCode == 0, netstat.Stderr);
        // snmpnetstat: "tcp4  127.0.0.1.PORT  127.0.0.1.PORT  ESTABLISHED PID" and, for listeners, "tcp4  127.0.0.1.PORT  PID".
        var expected = new HashSet<string>();
        foreach (var line in netstat.Stdout.Split('\n'))
        {
            var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 5 && w[0] == "tcp4" && (w[1].EndsWith($".{port}", StringComparison.Ordinal) || w[2].EndsWith($".{port}", StringComparison.Ordinal)))
                expected.Add($"{Colon(w[1])} {Colon(w[2])} {(w[3] == "ESTABLISHED" ? "ESTAB" : w[3])} {w[4]}");
            else if (w.Length == 3 && w[0] == "tcp4" && w[1].EndsWith($".{port}", StringComparison.Ordinal))
                expected.Add($"{Colon(w[1])} 0.0.0.0:* LISTEN {w[2]}");
        }
        Assert.Equal(3, expected.Count);

        var stat = await SockRunner.RunAsync(["stat", "-tanp", "-H", "--snmp", target, "-c", community, "--timeout", "5", $"( sport = :{port} or dport = :{port} )"]);
        Assert.True(stat.ExitCode == 0, stat.Stderr);
        var rows = stat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).Select(l => Row().Match(l)).Where(m => m.Success)
            .Select(m => $"{m.Groups["local"].Value} {m.Groups["peer"].Value} {m.Groups["state"].Value} {m.Groups["pid"].Value}").ToHashSet();
        Assert.Equal(expected.OrderBy(x => x), rows.OrderBy(x => x));
        Assert.All(rows, r => Assert.EndsWith($" {Environment.ProcessId}", r, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> PeersAndTransports
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var peer in new[] { "agent", "snmpd" })
                foreach (var transport in new[] { "udp", "udp6", "tcp", "tcp6" })
                    data.Add(peer, transport);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PeersAndTransports))]
    public async Task stat_snmp_v3_authpriv_lists_the_tests_sockets_as_v2c_does(string peer, string transport)
    {
        if (!AgentProcess.PeersInstalled || !SnmpdProcess.Installed) return;
        using var sockets = await Sockets.OpenAsync();
        using var dir = new TempDirectory("sock-stat-v3-");
        const string user = "createUser shaaes SHA auth-pass-sha AES priv-pass-sha";
        File.WriteAllText(dir.File("users.conf"), user + "\n");
        // Started after the sockets, with one snapshot for every read; both listen on TCP too.
        await using var agent = peer == "agent" ? await AgentProcess.StartAsync($"--users {dir.File("users.conf")} --tcp --cache 60s") : null;
        await using var snmpd = peer == "snmpd" ? await SnmpdProcess.StartAsync(user + "\nrouser shaaes priv", tcp: true) : null;
        var six = transport.EndsWith('6');
        var port = agent is null ? snmpd!.Port : six ? agent.Port6 : agent.Port4;
        var target = $"{transport}:{(six ? "[::1]" : "127.0.0.1")}:{port}";
        var filter = $"( sport = :{sockets.Port} or dport = :{sockets.Port} )";

        var v2c = await SockRunner.RunAsync(["stat", "-tanp", "-H", "--snmp", target, "-c", agent?.Community ?? snmpd!.Community, "--timeout", "5", filter]);
        // stat's -u and -l are --udp and --listening, as in ss: the v3 options are spelt out.
        var v3 = await SockRunner.RunAsync(["stat", "-tanp", "-H", "--snmp", target, "-v", "3", "--user", "shaaes", "--level", "authPriv", "--auth-protocol", "SHA",
            "--auth-password", "auth-pass-sha", "--priv-protocol", "AES", "--priv-password", "priv-pass-sha", "--timeout", "5", filter]);
        Assert.True(v2c.ExitCode == 0, v2c.Stderr);
        Assert.True(v3.ExitCode == 0, v3.Stderr);
        List<string> Rows(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).Select(l => Row().Match(l)).Where(m => m.Success)
            .Select(m => $"{m.Groups["local"].Value} {m.Groups["peer"].Value} {m.Groups["state"].Value} {m.Groups["pid"].Value}").Order().ToList();
        var rows = Rows(v3.Stdout);
        // The listener and both ends of the pair, each with this process's PID.
        Assert.Equal(3, rows.Count);
        Assert.Contains($"127.0.0.1:{sockets.Port} 0.0.0.0:* LISTEN {Environment.ProcessId}", rows);
        Assert.Equal(2, rows.Count(r => r.Contains(" ESTAB ", StringComparison.Ordinal)));
        Assert.Equal(Rows(v2c.Stdout), rows);
        // A wrong privacy password is one line, exit 1.
        var wrong = await SockRunner.RunAsync(["stat", "-tan", "--snmp", target, "-v", "3", "--user", "shaaes", "--level", "authPriv", "--auth-protocol", "SHA",
            "--auth-password", "auth-pass-sha", "--priv-protocol", "AES", "--priv-password", "wrong-priv-pass", "--timeout", "1"]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Single(wrong.StderrLines);
    }

    // snmpnetstat's 127.0.0.1.5000 (or *.*) as ss's 127.0.0.1:5000.
    private static string Colon(string netstat)
    {
        var dot = netstat.LastIndexOf('.');
        return $"{netstat[..dot]}:{netstat[(dot + 1)..]}";
    }

    [Fact]
    public async Task stat_snmp_json_and_filters_are_stats_own()
    {
        if (!AgentProcess.PeersInstalled) return;
        using var sockets = await Sockets.OpenAsync();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var udpPort = ((IPEndPoint)udp.LocalEndPoint!).Port;
        await using var agent = await AgentProcess.StartAsync("--cache 60s");

        var json = await SockRunner.RunAsync(["stat", "-ta", "--json", "--snmp", agent.Target(Transports.Udp4), "-c", agent.Community, "state", "listening", "sport", "=", $":{sockets.Port}"]);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var row = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal("LISTEN", row.GetProperty("state").GetString());
        Assert.Equal(sockets.Port, row.GetProperty("localPort").GetInt32());
        // Not known over SNMP: left out (null), not "root".
        Assert.False(row.TryGetProperty("user", out var user) && user.ValueKind != JsonValueKind.Null, "a remote row has no user");
        Assert.Equal(Environment.ProcessId, row.GetProperty("processes")[0].GetProperty("pid").GetInt32());

        var udpRows = await SockRunner.RunAsync(["stat", "-uanp", "-H", "--snmp", agent.Target(Transports.Udp4), "-c", agent.Community, "sport", "=", $":{udpPort}"]);
        Assert.True(udpRows.ExitCode == 0, udpRows.Stderr);
        var line = Assert.Single(udpRows.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()));
        Assert.Matches($@"^UNCONN\s+0\s+0\s+127\.0\.0\.1:{udpPort}\s+0\.0\.0\.0:\*\s+users:\(\(""[^""]+"",pid={Environment.ProcessId}\)\)$", line);
    }

    [Theory]
    [InlineData("stat --snmp 127.0.0.1:9", "no community given")]
    [InlineData("stat -x --snmp 127.0.0.1:9 -c x", "reads TCP and UDP rows only")]
    [InlineData("stat -c x", "applies to --snmp only")]
    [InlineData("stat --snmp 127.0.0.1:9 -v 3", "no user name given")]
    [InlineData("stat --snmp 10.0.0.0/30 -c x", "give one host")]
    public async Task bad_stat_snmp_input_is_one_line_and_exit_2(string args, string reason)
    {
        Assert.Contains(reason, await SockRunner.UsageErrorAsync(args), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^(?<state>[A-Z-]+)\s+\d+\s+\d+\s+(?<local>\S+)\s+(?<peer>\S+)\s+users:\(\(""[^""]*"",pid=(?<pid>\d+)\)\)$")]
    private static partial Regex Row();
}
