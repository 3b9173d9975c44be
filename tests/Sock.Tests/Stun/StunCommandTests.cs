using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Stun;

public class StunCommandTests
{
    private static IPAddress LoopbackOf(string transport) => transport.EndsWith('6') ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    private static string Target(string transport, int port) => transport.EndsWith('6') ? $"[::1]:{port}" : $"127.0.0.1:{port}";

    private static string Field(string stdout, string name) =>
        Regex.Match(stdout, $"^{name} +(\\S+)", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no {name} line in:\n{stdout}");

    [Theory]
    [InlineData("udp4")]
    [InlineData("udp6")]
    [InlineData("tcp4")]
    [InlineData("tcp6")]
    public async Task stun_against_coturn_reports_the_local_address_as_mapped_on_loopback(string transport)
    {
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test");
        await using var coturn = await Coturn.StartAsync([IPAddress.Loopback, IPAddress.IPv6Loopback]);
        var args = new List<string> { "stun", Target(transport, coturn.Port), "-w", "10s" };
        if (transport.StartsWith("tcp", StringComparison.Ordinal)) args.Add("--tcp");
        var run = await SockRunner.RunAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        var local = Field(run.Stdout, "local");
        var mapped = Field(run.Stdout, "mapped");
        Assert.Equal(local, mapped);
        Assert.StartsWith(transport.EndsWith('6') ? "[::1]:" : "127.0.0.1:", mapped);
        Assert.Contains("no NAT in between", run.Stdout);
        Assert.Contains($"over {transport[..3].ToUpperInvariant()}", run.Stdout);
        Assert.Contains("software \"Coturn", run.Stdout);
    }

    [Fact]
    public async Task stun_json_names_every_field_and_the_source_port_is_the_one_mapped()
    {
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test");
        await using var coturn = await Coturn.StartAsync([IPAddress.Loopback]);
        var sourcePort = Coturn.FreePort(IPAddress.Loopback);
        var run = await SockRunner.RunAsync(["stun", "--json", "-p", sourcePort.ToString(CultureInfo.InvariantCulture), Target("udp4", coturn.Port)]);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal("udp", root.GetProperty("transport").GetString());
        Assert.Equal($"127.0.0.1:{sourcePort}", root.GetProperty("mapped").GetString());
        Assert.Equal($"127.0.0.1:{sourcePort}", root.GetProperty("local").GetString());
        Assert.False(root.GetProperty("behindNat").GetBoolean());
        Assert.Equal($"127.0.0.1:{coturn.Port}", root.GetProperty("server").GetString());
        Assert.Equal(JsonValueKind.True, root.GetProperty("fingerprint").ValueKind);
        Assert.True(root.GetProperty("attempts").GetInt32() >= 1);
        Assert.True(root.GetProperty("rttMs").GetDouble() >= 0);
    }

    [Theory]
    [InlineData("udp4")]
    [InlineData("udp6")]
    [InlineData("tcp4")]
    [InlineData("tcp6")]
    public async Task stun_serve_answers_sock_stun(string transport)
    {
        var bind = transport.EndsWith('6') ? "[::1]:0" : "127.0.0.1:0";
        await using var server = await StunServeProcess.StartAsync(bind);
        var args = new List<string> { "stun", Target(transport, server.Port), "-w", "10s" };
        if (transport.StartsWith("tcp", StringComparison.Ordinal)) args.Add("--tcp");
        var run = await SockRunner.RunAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Field(run.Stdout, "local"), Field(run.Stdout, "mapped"));
        Assert.Contains("software \"sock\"", run.Stdout);
    }

    [Fact]
    public async Task debians_stun_client_reads_sock_stun_serve_and_coturn_alike()
    {
        Assert.True(ExternalTool.Exists("stun"), "Debian's stun-client is needed for this test");
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test");
        await using var server = await StunServeProcess.StartAsync("127.0.0.1:0");
        await using var coturn = await Coturn.StartAsync([IPAddress.Loopback]);
        // stund's client speaks RFC 3489 (no magic cookie); test 1 is one Binding. Its verbose output names the mapped address.
        var fromSock = await ProcessRunner.RunAsync(["stun", $"127.0.0.1:{server.Port}", "1", "-v"], timeout: TimeSpan.FromSeconds(30));
        var fromCoturn = await ProcessRunner.RunAsync(["stun", $"127.0.0.1:{coturn.Port}", "1", "-v"], timeout: TimeSpan.FromSeconds(30));
        var mappedSock = Regex.Match(fromSock.Stdout + fromSock.Stderr, @"MappedAddress = (\S+)");
        var mappedCoturn = Regex.Match(fromCoturn.Stdout + fromCoturn.Stderr, @"MappedAddress = (\S+)");
        Assert.True(mappedSock.Success, fromSock.ToString());
        Assert.True(mappedCoturn.Success, fromCoturn.ToString());
        Assert.StartsWith("127.0.0.1:", mappedSock.Groups[1].Value);
        Assert.StartsWith("127.0.0.1:", mappedCoturn.Groups[1].Value);
    }

    [Fact]
    public async Task a_silent_server_is_a_one_line_timeout_after_the_retransmissions()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var run = await SockRunner.RunAsync(["--trace", "stun", $"127.0.0.1:{port}", "--rto", "50ms", "-w", "1s"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"sock: stun binding to 127.0.0.1:{port} failed: timed out after 1s", run.Stderr);
        // 0, 50, 150, 350, 750 ms fall inside the second: five sends, each traced with its try number.
        Assert.Contains("(try 5 of 7)", run.Stderr);
        Assert.DoesNotContain("(try 6 of 7)", run.Stderr);
        Assert.Contains("sendto(", run.Stderr);
    }

    [Theory]
    [InlineData("stun", "a STUN server is needed")]
    [InlineData("stun 127.0.0.1 --rto 0", "must be more than 0")]
    [InlineData("stun 127.0.0.1:99999", "out of range")]
    [InlineData("stun 127.0.0.1 -4 -6", "choose one")]
    [InlineData("stun 127.0.0.1 --udp --tcp", "choose one")]
    public async Task bad_input_is_one_usage_line(string args, string reason)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", run.StderrLines[0]);
        Assert.Contains(reason, run.Stderr);
    }
}

/// <summary>`sock stun --serve` as a separate process, and the port it printed.</summary>
internal sealed class StunServeProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly List<string> _stderr = [];

    private StunServeProcess(System.Diagnostics.Process process) => _process = process;

    public int Port { get; private set; }

    public int Pid => _process.Id;

    public static async Task<StunServeProcess> StartAsync(string bind, string[]? prefix = null, params string[] extra)
    {
        var p = new StunServeProcess(SockRunner.Start(["stun", "--serve", bind, .. extra], prefix: prefix));
        _ = Task.Run(async () =>
        {
            while (await p._process.StandardError.ReadLineAsync() is { } line) lock (p._stderr) p._stderr.Add(line);
        });
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline && !p._process.HasExited)
        {
            lock (p._stderr)
            {
                var m = p._stderr.Select(l => Regex.Match(l, @"on tcp .*:(\d+)$")).FirstOrDefault(m => m.Success);
                if (m is not null) { p.Port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture); return p; }
            }
            await Task.Delay(50);
        }
        await p.DisposeAsync();
        throw new InvalidOperationException($"sock stun --serve did not start: {string.Join('\n', p._stderr)}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { }
        _process.Dispose();
    }
}
