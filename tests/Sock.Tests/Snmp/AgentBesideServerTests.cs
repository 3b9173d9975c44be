using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Sock.Core.Snmp;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Snmp;

/// <summary>
/// `--agent` on sock serve, forward and proxy: net-snmp's snmpget, snmpwalk and snmpbulkwalk read SOCK-MIB (loaded from
/// docs/SOCK-MIB.txt, so names print) while the test drives a connection through the server: the totals move by exactly
/// what the test did, the connection table shows the test's connection while it is open and loses it after it closes.
/// </summary>
public sealed partial class AgentBesideServerTests
{
    public static TheoryData<string> Servers => new() { "serve", "forward", "proxy" };

    private static bool PeersInstalled => ExternalTool.Exists("snmpget") && ExternalTool.Exists("snmpbulkwalk") && ExternalTool.Exists("snmptranslate");

    // Debian's net-snmp has no IETF modules; the tests carry the few lines SOCK-MIB imports (Snmp/Mibs).
    private static string MibDirs => $"+{Path.Combine(RepoPaths.Root, "docs")}:{Path.Combine(RepoPaths.Root, "tests", "Sock.Tests", "Snmp", "Mibs")}";

    // AgentHost: net-snmp's transport and address of the agent, without the port.
    private sealed record Running(RunningProcess Process, int ListenPort, int AgentPort, string Community, string AgentHost = "udp:127.0.0.1") : IAsyncDisposable
    {
        public Task<(int ExitCode, string Stdout, string Stderr)> Snmp(string tool, params string[] args) =>
            ExternalTool.RunAsync(tool, ["-v", "2c", "-c", Community, "-m", "+SOCK-MIB", "-M", MibDirs, "-t", "5", "-r", "2", $"{AgentHost}:{AgentPort}", .. args]);

        public async Task<long> Counter(string name)
        {
            var r = await Snmp("snmpget", $"SOCK-MIB::{name}.0");
            var m = Regex.Match(r.Stdout, $@"^SOCK-MIB::{name}\.0 = (?:Counter64|Gauge32|Counter32): (\d+)(?: bytes)?$", RegexOptions.Multiline);
            Assert.True(m.Success, $"{name}: {r.Stdout} {r.Stderr}");
            return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        public async Task<long> WaitForCounter(string name, long expected)
        {
            var deadline = Environment.TickCount64 + 15_000;
            long value;
            while ((value = await Counter(name)) != expected && Environment.TickCount64 < deadline) await Task.Delay(100);
            return value;
        }

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private static Task<Running> StartAsync(string command, IPEndPoint? target, params string[] extra) => StartAsync(command, target, "127.0.0.1", extra);

    // agentHost: where --agent listens (port 0), 127.0.0.1 or [::1].
    private static async Task<Running> StartAsync(string command, IPEndPoint? target, string agentHost, string[] extra)
    {
        var community = "c" + Guid.NewGuid().ToString("N")[..12];
        string[] agent = ["--agent", $"{agentHost}:0", "--agent-community", community, "--agent-cache", "50ms"];
        string[] args = command switch
        {
            "serve" => ["serve", "echo", "--tcp", "--bind", "127.0.0.1", "--port", "0", .. agent, .. extra],
            "forward" => ["forward", "127.0.0.1:0", $"127.0.0.1:{target!.Port}", .. agent, .. extra],
            _ => ["proxy", "127.0.0.1:0", .. agent, .. extra],
        };
        var p = RunningProcess.Sock(args);
        try
        {
            var listen = await p.WaitForStderrAsync(command switch
            {
                "serve" => @"^serving echo \(.*\) on tcp 127\.0\.0\.1:(\d+)$",
                _ => @"listening on (?:tcp )?127\.0\.0\.1:(\d+)",
            }, 30);
            var snmp = await p.WaitForStderrAsync($@"^serving snmp \(RFC 3416, --agent.*\) on udp {Regex.Escape(agentHost)}:(\d+)$", 30);
            return new Running(p, int.Parse(listen.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(snmp.Groups[1].Value, CultureInfo.InvariantCulture), community,
                agentHost.StartsWith('[') ? $"udp6:{agentHost}" : $"udp:{agentHost}");
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
    }

    // An echo server for forward's and proxy's connections, one connection at a time, until disposed.
    private sealed class EchoTarget : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();

        public EchoTarget()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(8);
            _ = Task.Run(LoopAsync);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket s;
                try { s = await _listener.AcceptAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(async () =>
                {
                    using (s)
                    {
                        var buffer = new byte[8192];
                        try
                        {
                            int n;
                            while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                                await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                            s.Shutdown(SocketShutdown.Send);
                        }
                        catch (Exception) { }
                    }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
        }
    }

    private static async Task ReceiveExactly(Socket s, Memory<byte> buffer)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (var got = 0; got < buffer.Length;)
        {
            var n = await s.ReceiveAsync(buffer[got..], SocketFlags.None, cts.Token);
            if (n == 0) throw new IOException($"closed after {got} of {buffer.Length} bytes");
            got += n;
        }
    }

    // The client's bytes before its payload (the SOCKS5 greeting and CONNECT request) and the server's (method choice and reply).
    private static async Task<(int In, int Out)> OpenAsync(string command, Socket client, int port, IPEndPoint target)
    {
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        if (command != "proxy") return (0, 0);
        await client.SendAsync(new byte[] { 5, 1, 0 });
        var choice = new byte[2];
        await ReceiveExactly(client, choice);
        Assert.Equal(new byte[] { 5, 0 }, choice);
        var request = new byte[] { 5, 1, 0, 1, 127, 0, 0, 1, (byte)(target.Port >> 8), (byte)target.Port };
        await client.SendAsync(request);
        var reply = new byte[10];
        await ReceiveExactly(client, reply);
        Assert.Equal(0, reply[1]);
        return (3 + request.Length, 2 + reply.Length);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task an_agent_on_ipv6_loopback_answers_snmpget_over_udp6_and_only_there(string command)
    {
        if (!PeersInstalled) return;
        using var echo = new EchoTarget();
        await using var server = await StartAsync(command, echo.EndPoint, "[::1]", []);
        var r = await server.Snmp("snmpget", "SOCK-MIB::sockCommand.0", "SOCK-MIB::sockConnectionsAccepted.0", "1.3.6.1.2.1.1.5.0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"SOCK-MIB::sockCommand.0 = STRING: {command}", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"SOCK-MIB::sockConnectionsAccepted\.0 = Counter64: 0\b", r.Stdout);
        Assert.Contains(Environment.MachineName, r.Stdout, StringComparison.Ordinal);
        // Bound to ::1 alone: the same port on 127.0.0.1 has no agent (ICMP port unreachable, or silence).
        var v4 = await ExternalTool.RunAsync("snmpget", "-v", "2c", "-c", server.Community, "-t", "0.5", "-r", "0", $"udp:127.0.0.1:{server.AgentPort}", "1.3.6.1.2.1.1.5.0");
        Assert.NotEqual(0, v4.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task the_sock_subtree_counts_the_tests_connection_exactly_and_lists_it_while_open(string command)
    {
        if (!PeersInstalled) return;
        using var echo = new EchoTarget();
        await using var server = await StartAsync(command, echo.EndPoint);
        Assert.Equal(0, await server.Counter("sockConnectionsAccepted"));
        Assert.Equal(0, await server.Counter("sockBytesIn"));

        var payload = RandomNumberGenerator.GetBytes(1000);
        var clientPort = 0;
        (int In, int Out) handshake;
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            handshake = await OpenAsync(command, client, server.ListenPort, echo.EndPoint);
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            await client.SendAsync(payload);
            var back = new byte[payload.Length];
            await ReceiveExactly(client, back);
            Assert.Equal(payload, back);

            // The live connection, found by the client's port, with its bytes once the snapshot has caught up.
            Assert.Equal(handshake.In + payload.Length, await WaitForRow(server, clientPort, "sockConnBytesIn", handshake.In + payload.Length));
            var table = await server.Snmp("snmpbulkwalk", "SOCK-MIB::sockConnTable");
            Assert.True(table.ExitCode == 0, table.Stderr);
            var index = Regex.Match(table.Stdout, $@"^SOCK-MIB::sockConnRemotePort\.(\d+) = Gauge32: {clientPort}$", RegexOptions.Multiline).Groups[1].Value;
            Assert.Contains($"SOCK-MIB::sockConnState.{index} = INTEGER: established(1)", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"SOCK-MIB::sockConnRemoteAddress.{index} = STRING: 127.0.0.1", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"SOCK-MIB::sockConnLocalPort.{index} = Gauge32: {server.ListenPort}", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"SOCK-MIB::sockConnProtocol.{index} = STRING: tcp", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"SOCK-MIB::sockConnBytesOut.{index} = Counter64: {handshake.Out + payload.Length} bytes", table.Stdout, StringComparison.Ordinal);
            Assert.Matches($@"SOCK-MIB::sockConnOpened\.{index} = STRING: \d{{4}}-\d+-\d+,\d+:\d+:\d+\.\d,\+0:0", table.Stdout);
            Assert.Equal(1, await server.Counter("sockConnectionsOpen"));
            // sock's own manager prints the row's opened time as snmpwalk does with SOCK-MIB loaded (DateAndTime's hint).
            var opened = Regex.Match(table.Stdout, $@"^SOCK-MIB::sockConnOpened\.{index} = .*$", RegexOptions.Multiline).Value;
            var mine = await SockRunner.RunAsync(["snmp", "get", "-c", server.Community, $"127.0.0.1:{server.AgentPort}", $"{SockMib.ConnEntry}.10.{index}"]);
            Assert.True(mine.ExitCode == 0, mine.ToString());
            Assert.Equal(opened, mine.Stdout.Trim());
            client.Shutdown(SocketShutdown.Send);
            // The echo side (sock serve, or the target through forward/proxy) ends the session at our end of stream.
            var rest = new byte[16];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(0, await client.ReceiveAsync(rest, SocketFlags.None, cts.Token));
        }

        Assert.Equal(0, await server.WaitForCounter("sockConnectionsOpen", 0));
        var walk = await server.Snmp("snmpwalk", "SOCK-MIB::sockMIB");
        Assert.True(walk.ExitCode == 0, walk.Stderr);
        Assert.DoesNotContain("sockConnRemotePort", walk.Stdout, StringComparison.Ordinal);
        Assert.Contains($"SOCK-MIB::sockCommand.0 = STRING: {command}", walk.Stdout, StringComparison.Ordinal);
        Assert.Contains($"SOCK-MIB::sockListenAddress.1 = STRING: 127.0.0.1:{server.ListenPort}", walk.Stdout, StringComparison.Ordinal);
        Assert.Contains("SOCK-MIB::sockListenProtocol.1 = STRING: tcp", walk.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"SOCK-MIB::sockUpTime\.0 = Timeticks: \(\d+\)", walk.Stdout);
        Assert.Equal(1, await server.Counter("sockConnectionsAccepted"));
        Assert.Equal(handshake.In + payload.Length, await server.Counter("sockBytesIn"));
        Assert.Equal(handshake.Out + payload.Length, await server.Counter("sockBytesOut"));
        Assert.Equal(0, await server.Counter("sockConnectionsRefused"));
        // Everything sock agent serves is there too.
        var system = await server.Snmp("snmpget", "-On", "1.3.6.1.2.1.1.5.0");
        Assert.Contains($".1.3.6.1.2.1.1.5.0 = STRING: \"{Environment.MachineName}\"", system.Stdout, StringComparison.Ordinal);
    }

    // The row's column for the connection from clientPort, polled (bounded) until it reads expected.
    private static async Task<long> WaitForRow(Running server, int clientPort, string column, long expected)
    {
        var deadline = Environment.TickCount64 + 15_000;
        var last = -1L;
        while (Environment.TickCount64 < deadline)
        {
            var r = await server.Snmp("snmpbulkwalk", "SOCK-MIB::sockConnTable");
            var index = Regex.Match(r.Stdout, $@"^SOCK-MIB::sockConnRemotePort\.(\d+) = Gauge32: {clientPort}$", RegexOptions.Multiline);
            if (index.Success)
            {
                var m = Regex.Match(r.Stdout, $@"^SOCK-MIB::{column}\.{index.Groups[1].Value} = Counter64: (\d+)(?: bytes)?$", RegexOptions.Multiline);
                if (m.Success && (last = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) == expected) return last;
            }
            await Task.Delay(100);
        }
        return last;
    }

    [Fact]
    public async Task snmptable_reads_the_listeners_and_the_open_connection_as_tables()
    {
        if (!PeersInstalled || !ExternalTool.Exists("snmptable")) return;
        await using var server = await StartAsync("serve", null);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.ListenPort));
        await client.SendAsync(new byte[] { 42 });
        await ReceiveExactly(client, new byte[1]);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        Assert.Equal(1, await WaitForRow(server, clientPort, "sockConnBytesIn", 1));

        // snmptable walks the table's columns and lays them out by row: it needs the MIB's table structure, which is
        // what docs/SOCK-MIB.txt gives it. Fields separated by '|', a header line of column names.
        static List<string[]> Rows(string stdout) =>
            [.. stdout.Split('\n').Where(l => l.Contains('|', StringComparison.Ordinal)).Select(l => l.Trim().Split('|'))];
        var listeners = await server.Snmp("snmptable", "-Cf", "|", "SOCK-MIB::sockListenTable");
        Assert.True(listeners.ExitCode == 0, listeners.Stderr + listeners.Stdout);
        var lrows = Rows(listeners.Stdout);
        Assert.Equal(["sockListenProtocol", "sockListenAddress"], lrows[0]);
        Assert.Contains(lrows.Skip(1), r => r[0].Trim('"') == "tcp" && r[1].Trim('"') == $"127.0.0.1:{server.ListenPort}");

        var connections = await server.Snmp("snmptable", "-Cf", "|", "SOCK-MIB::sockConnTable");
        Assert.True(connections.ExitCode == 0, connections.Stderr + connections.Stdout);
        var crows = Rows(connections.Stdout);
        var column = crows[0].Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        var row = Assert.Single(crows.Skip(1), r => r[column["sockConnRemotePort"]] == clientPort.ToString(CultureInfo.InvariantCulture));
        Assert.StartsWith("established", row[column["sockConnState"]], StringComparison.Ordinal);
        Assert.Equal(server.ListenPort.ToString(CultureInfo.InvariantCulture), row[column["sockConnLocalPort"]]);
        Assert.Matches(@"^1( bytes)?$", row[column["sockConnBytesIn"]]);
    }

    [Fact]
    public async Task a_connection_over_the_limit_is_counted_refused()
    {
        if (!PeersInstalled) return;
        await using var server = await StartAsync("serve", null, "--max-conns", "1");
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.ListenPort));
        await first.SendAsync(new byte[] { 1 });
        await ReceiveExactly(first, new byte[1]);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.ListenPort));
        Assert.Equal(1, await server.WaitForCounter("sockConnectionsRefused", 1));
        Assert.Equal(1, await server.Counter("sockConnectionsAccepted"));
        Assert.Equal(1, await server.Counter("sockConnectionsOpen"));
    }

    [Fact]
    public async Task sock_snmp_walk_names_the_sock_subtree()
    {
        if (!PeersInstalled) return;
        await using var server = await StartAsync("serve", null);
        var r = await SockRunner.RunAsync(["snmp", "walk", "-c", server.Community, $"127.0.0.1:{server.AgentPort}", "sockServer"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("SOCK-MIB::sockCommand.0 = STRING: serve", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("SOCK-MIB::sockConnectionsAccepted.0 = Counter64: 0", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("SOCK-MIB::sockConnectionsOpen.0 = Gauge32: 0", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task snmptranslate_loads_sock_mib_without_a_complaint_and_names_each_object()
    {
        if (!PeersInstalled) return;
        var r = await ExternalTool.RunAsync("snmptranslate", "-m", "+SOCK-MIB", "-M", MibDirs, "-Tp", "SOCK-MIB::sockMIB");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // net-snmp names the file of every line it cannot take; other modules' complaints (the IETF MIBs Debian leaves out) are not ours.
        Assert.DoesNotContain("SOCK-MIB", r.Stderr, StringComparison.Ordinal);
        foreach (var name in new[] { "sockCommand(1)", "sockConnectionsAccepted(3)", "sockConnectionsRefused(5)", "sockListenAddress(3)", "sockConnState(7)", "sockConnOpened(10)" })
            Assert.Contains(name, r.Stdout, StringComparison.Ordinal);
        foreach (var (name, oid) in new[] { ("sockConnState", SockMib.ConnEntry + ".7"), ("sockBytesOut", SockMib.Server + ".7"), ("sockListenAddress", SockMib.ListenEntry + ".3") })
        {
            var t = await ExternalTool.RunAsync("snmptranslate", "-m", "+SOCK-MIB", "-M", MibDirs, "-On", "SOCK-MIB::" + name);
            Assert.Equal("." + oid, t.Stdout.Trim());
            // sock's own names are the MIB file's.
            Assert.True(MibNames.TryParse(name, out var parsed, out _));
            Assert.Equal(oid, parsed.ToString());
        }
    }

    [Theory]
    [InlineData("serve echo --port 0 --agent-community x", "--agent-community")]
    [InlineData("serve echo --port 0 --agent 0", "nothing to answer")]
    [InlineData("proxy 127.0.0.1:0 --agent nowhere --agent-community x", "--agent")]
    public async Task bad_agent_options_are_one_line_and_exit_2(string args, string expected)
    {
        var r = await SockRunner.RunAsync(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(r.StderrLines);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
    }
}
