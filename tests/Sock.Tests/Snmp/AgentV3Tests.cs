using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// sock agent's SNMPv3 against net-snmp's managers (snmpget, snmpwalk, snmpbulkwalk -v3), UDP over IPv4 and IPv6:
/// every level and the SHA-1, SHA-256 and SHA-512 protocols, and each USM failure as snmpget reports it.
/// </summary>
public sealed class AgentV3Tests
{
    // One user per protocol and level: NAME, and net-snmp's options to be that user.
    private static readonly Dictionary<string, string[]> Users = new()
    {
        ["sha256auth"] = ["-l", "authNoPriv", "-a", "SHA-256", "-A", "auth-pass-256"],
        ["shaaes"] = ["-l", "authPriv", "-a", "SHA", "-A", "auth-pass-sha", "-x", "AES", "-X", "priv-pass-sha"],
        ["sha512aes"] = ["-l", "authPriv", "-a", "SHA-512", "-A", "auth-pass-512", "-x", "AES", "-X", "priv-pass-512"],
        ["nobody"] = ["-l", "noAuthNoPriv"],
    };

    private const string UsersFile = """
        # as in snmpd.conf
        createUser sha256auth SHA-256 auth-pass-256
        createUser shaaes SHA auth-pass-sha AES priv-pass-sha
        createUser sha512aes SHA-512 "auth-pass-512" AES "priv-pass-512"
        createUser nobody
        rouser sha512aes priv
        """;

    public static TheoryData<string, string> TransportsAndUsers
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var t in new[] { Transports.Udp4, Transports.Udp6 })
                foreach (var u in new[] { "sha256auth", "shaaes", "sha512aes", "nobody" })
                    data.Add(t, u);
            return data;
        }
    }

    private static async Task<(AgentProcess Agent, TempDirectory Dir)> StartAsync(string extra = "")
    {
        var dir = new TempDirectory("sock-agent-v3-");
        File.WriteAllText(dir.File("users.conf"), UsersFile);
        return (await AgentProcess.StartAsync($"--users {dir.File("users.conf")} {extra}"), dir);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> V3(AgentProcess agent, string transport, string user, string[] security, params string[] args) =>
        ExternalTool.RunAsync(args[0], ["-v3", "-u", user, .. security, "-On", "-t", "5", "-r", "2", agent.Target(transport), .. args[1..]]);

    [Theory]
    [MemberData(nameof(TransportsAndUsers))]
    public async Task snmpwalk_and_snmpbulkwalk_v3_equal_the_v2c_walk(string transport, string user)
    {
        if (!AgentProcess.PeersInstalled) return;
        // One snapshot for every walk, so the v2c and v3 answers come from the same reading.
        var (agent, dir) = await StartAsync("--cache 60s");
        await using var _ = agent;
        using var __ = dir;
        var v2c = await agent.RunAsync("snmpwalk", "2c", transport, "1.3.6.1.2.1.1");
        Assert.True(v2c.ExitCode == 0, v2c.Stderr);
        Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING:", v2c.Stdout, StringComparison.Ordinal);
        var walk = await V3(agent, transport, user, Users[user], "snmpwalk", "1.3.6.1.2.1.1");
        Assert.True(walk.ExitCode == 0, walk.Stderr);
        Assert.Equal(v2c.Stdout, walk.Stdout);
        var bulk2c = await agent.RunAsync("snmpbulkwalk", "2c", transport, "1.3.6.1.2.1.2");
        var bulk = await V3(agent, transport, user, Users[user], "snmpbulkwalk", "1.3.6.1.2.1.2");
        Assert.True(bulk.ExitCode == 0, bulk.Stderr);
        Assert.NotEmpty(bulk.Stdout);
        Assert.Equal(bulk2c.Stdout, bulk.Stdout);
        var get = await V3(agent, transport, user, Users[user], "snmpget", "1.3.6.1.2.1.1.5.0");
        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Contains($".1.3.6.1.2.1.1.5.0 = STRING: \"{Environment.MachineName}\"", get.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1")]
    [InlineData("tcp6:[::1]")]
    public async Task snmpget_and_snmpwalk_v3_authpriv_over_tcp_equal_the_v2c_walk_and_a_wrong_key_is_reported(string tcp)
    {
        if (!AgentProcess.PeersInstalled) return;
        // One snapshot for every walk, so the answers over UDP and TCP come from the same reading.
        var (agent, dir) = await StartAsync("--tcp --cache 60s");
        await using var _ = agent;
        using var __ = dir;
        var six = tcp.StartsWith("tcp6", StringComparison.Ordinal);
        var target = $"{tcp}:{(six ? agent.Port6 : agent.Port4)}";
        Task<(int ExitCode, string Stdout, string Stderr)> OverTcp(string tool, string user, string[] security, params string[] args) =>
            ExternalTool.RunAsync(tool, ["-v3", "-u", user, .. security, "-On", "-t", "5", "-r", "1", target, .. args]);
        var v2c = await agent.RunAsync("snmpwalk", "2c", six ? Transports.Udp6 : Transports.Udp4, "1.3.6.1.2.1.1");
        Assert.True(v2c.ExitCode == 0, v2c.Stderr);
        foreach (var user in new[] { "shaaes", "sha512aes" })
        {
            var walk = await OverTcp("snmpwalk", user, Users[user], "1.3.6.1.2.1.1");
            Assert.True(walk.ExitCode == 0, walk.Stderr);
            Assert.Contains(".1.3.6.1.2.1.1.5.0 = STRING:", walk.Stdout, StringComparison.Ordinal);
            Assert.Equal(v2c.Stdout, walk.Stdout);
        }
        var get = await OverTcp("snmpget", "shaaes", Users["shaaes"], "1.3.6.1.2.1.1.5.0");
        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Contains($".1.3.6.1.2.1.1.5.0 = STRING: \"{Environment.MachineName}\"", get.Stdout, StringComparison.Ordinal);
        // The agent's Report comes back over the same connection, in net-snmp's words.
        var security = Users["shaaes"].ToArray();
        security[Array.IndexOf(security, "-X") + 1] = "wrong-priv-pass";
        var wrong = await OverTcp("snmpget", "shaaes", security, "1.3.6.1.2.1.1.5.0");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("snmpget: Decryption error", wrong.Stderr, StringComparison.Ordinal);
    }

    // usmStats: 1 unsupportedSecLevels … 6 decryptionErrors.
    [Theory]
    [InlineData(Transports.Udp4, "stranger", "sha256auth", null, "Unknown user name", 3)]
    [InlineData(Transports.Udp6, "stranger", "sha256auth", null, "Unknown user name", 3)]
    [InlineData(Transports.Udp4, "sha256auth", "sha256auth", "wrong-auth-pass", "Authentication failure (incorrect password, community or key)", 5)]
    [InlineData(Transports.Udp6, "shaaes", "shaaes", "wrong-auth-pass", "Authentication failure (incorrect password, community or key)", 5)]
    [InlineData(Transports.Udp4, "shaaes", "shaaes", "wrong-priv-pass", "Decryption error", 6)]
    [InlineData(Transports.Udp6, "sha512aes", "sha512aes", "wrong-priv-pass", "Decryption error", 6)]
    [InlineData(Transports.Udp4, "sha256auth", "shaaes", null, "Unsupported security level", 1)]
    public async Task each_usm_failure_is_what_snmpget_prints_and_the_agent_counts(string transport, string user, string securityOf, string? wrongPassword, string message, int counter)
    {
        if (!AgentProcess.PeersInstalled) return;
        var (agent, dir) = await StartAsync();
        await using var _ = agent;
        using var __ = dir;
        var security = Users[securityOf].ToArray();
        if (wrongPassword is not null)
        {
            // The privacy password when there is one and the case is about it, else the authentication password.
            var flag = message == "Decryption error" ? "-X" : "-A";
            security[Array.IndexOf(security, flag) + 1] = wrongPassword;
        }
        var r = await V3(agent, transport, user, security, "snmpget", "1.3.6.1.2.1.1.5.0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"snmpget: {message}", r.Stderr, StringComparison.Ordinal);
        // The agent's usmStats counter, read with v2c (the view is read again after --cache 200ms).
        var oid = $"1.3.6.1.6.3.15.1.1.{counter}.0";
        var deadline = Environment.TickCount64 + 10_000;
        string last = "";
        while (Environment.TickCount64 < deadline)
        {
            var get = await agent.RunAsync("snmpget", "2c", transport, oid);
            last = get.Stdout + get.Stderr;
            if (System.Text.RegularExpressions.Regex.IsMatch(get.Stdout, $@"\.{oid.Replace(".", "\\.", StringComparison.Ordinal)} = Counter32: [1-9]")) return;
            await Task.Delay(100);
        }
        Assert.Fail($"usmStats.{counter} never counted the failure: {last}");
    }

    [Fact]
    public async Task snmpnetstat_v3_authpriv_lists_the_tests_listener()
    {
        if (!AgentProcess.PeersInstalled || !ExternalTool.Exists("snmpnetstat")) return;
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(4);
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        var (agent, dir) = await StartAsync();
        await using var _ = agent;
        using var __ = dir;
        var r = await ExternalTool.RunAsync("snmpnetstat", ["-v3", "-u", "sha512aes", .. Users["sha512aes"], "-Cn", "-Ca", "-Cp", "tcp", agent.Target(Transports.Udp4)]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var listening = r.Stdout[r.Stdout.IndexOf("Listening Internet (tcp)", StringComparison.Ordinal)..];
        Assert.Matches(new System.Text.RegularExpressions.Regex($@"tcp4\s+127\.0\.0\.1\.{port}\b"), listening);
    }

    [Fact]
    public async Task a_user_below_its_rouser_level_gets_authorization_error()
    {
        if (!AgentProcess.PeersInstalled) return;
        var (agent, dir) = await StartAsync();
        await using var _ = agent;
        using var __ = dir;
        var r = await V3(agent, Transports.Udp4, "sha512aes", ["-l", "authNoPriv", "-a", "SHA-512", "-A", "auth-pass-512"], "snmpget", "1.3.6.1.2.1.1.5.0");
        Assert.Contains("authorizationError", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_fixed_engine_id_is_the_one_net_snmp_discovers()
    {
        if (!AgentProcess.PeersInstalled) return;
        var (agent, dir) = await StartAsync("--engine-id 0x80001f8805c0ffee0123456789");
        await using var _ = agent;
        using var __ = dir;
        var r = await V3(agent, Transports.Udp4, "sha256auth", Users["sha256auth"], "snmpget", "1.3.6.1.6.3.10.2.1.1.0", "1.3.6.1.6.3.10.2.1.2.0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(".1.3.6.1.6.3.10.2.1.1.0 = Hex-STRING: 80 00 1F 88 05 C0 FF EE 01 23 45 67 89", r.Stdout, StringComparison.Ordinal);
        Assert.Contains(".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: 1", r.Stdout, StringComparison.Ordinal);
        // net-snmp given the engine ID skips discovery, sends boots and time 0, and syncs from the signed notInTimeWindow report.
        var direct = await V3(agent, Transports.Udp4, "sha256auth", [.. Users["sha256auth"], "-e", "0x80001f8805c0ffee0123456789"], "snmpget", "1.3.6.1.2.1.1.5.0");
        Assert.True(direct.ExitCode == 0, direct.Stderr);
        Assert.Contains(Environment.MachineName, direct.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("createUser a SHA authpass11 DES privpass11", "", "users.conf:1: DES privacy is not supported")]
    [InlineData("createUser a SHA short", "", "shorter than 8 characters")]
    [InlineData("# nothing\n", "", "no createUser line")]
    [InlineData("createUser a SHA authpass11", "--engine-id 0x8000", "5 to 32 bytes")]
    [InlineData("createUser a SHA authpass11", "--engine-id zz", "hex digits")]
    [InlineData(null, "", "no such file")]
    public async Task bad_users_files_and_engine_ids_are_one_line_and_exit_2(string? file, string extra, string reason)
    {
        using var dir = new TempDirectory("sock-agent-v3-bad-");
        var path = dir.File("users.conf");
        if (file is not null) File.WriteAllText(path, file.Replace("\\n", "\n", StringComparison.Ordinal));
        var r = await SockRunner.RunAsync($"agent --port 0 --bind 127.0.0.1 --users {path} {extra}");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StderrLines);
        Assert.Contains(reason, r.Stderr, StringComparison.Ordinal);
    }
}
