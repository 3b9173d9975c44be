using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Scanning;

/// <summary>
/// sock scan as a user runs it. Scans on the host go to a loopback address picked at random per test (127.x.y.z),
/// where only the test's own listeners and wildcard ones can answer.
/// </summary>
public class ScanCommandTests(ITestOutputHelper output)
{
    /// <summary>--engine picks the connect engine: the epoll one opens non-blocking sockets itself, the portable one leaves that to .NET.</summary>
    [Theory]
    [InlineData("epoll", true)]
    [InlineData("portable", false)]
    public async Task engine_chooses_which_connect_engine_runs(string engine, bool nonBlocking)
    {
        var run = await SockRunner.RunAsync(["scan", "127.0.0.1", "-p", "1", "--engine", engine, "--trace"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var socketCall = Assert.Single(run.Stderr.Split('\n'), l => l.Contains(" socket(AF_INET", StringComparison.Ordinal));
        Assert.Equal(nonBlocking, socketCall.Contains("SOCK_NONBLOCK", StringComparison.Ordinal));
    }

    private static IPAddress FreshLoopback() =>
        new([127, (byte)Random.Shared.Next(100, 200), (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(2, 250)]);

    private static Socket ListenOn(IPAddress address, int port = 0)
    {
        var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(address, port));
        s.Listen(16);
        return s;
    }

    private static int PortOf(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    [Theory]
    [InlineData("-p 70000", "port 70000")]
    [InlineData("-p 90-80", "reversed")]
    [InlineData("-p ,", "empty item")]
    [InlineData("-p nosuchservice", "unknown tcp service")]
    [InlineData("--timing fast", "unknown preset")]
    [InlineData("--max-parallel 0", "--max-parallel")]
    [InlineData("--retries -1", "--retries")]
    [InlineData("--timeout 0s", "--timeout")]
    [InlineData("--top-ports 5000", "--top-ports")]
    public async Task usage_errors_exit_2_with_one_line(string args, string says)
    {
        var run = await SockRunner.RunAsync(["scan", "127.0.0.1", .. args.Split(' ')]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains(says, line);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("127.0.0.0/33")]
    [InlineData("127.0.0.0/8")]
    [InlineData("300.1.1.1/30")]
    public async Task a_bad_cidr_range_is_a_usage_error(string range)
    {
        var run = await SockRunner.RunAsync(["scan", range, "-p", "80"]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("sock: CIDR range", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task four_billion_probes_are_a_usage_error_naming_the_product()
    {
        // Was "internal error: Arithmetic operation resulted in an overflow", exit 1.
        var run = await SockRunner.RunAsync(["scan", "127.0.0.0/16", "-p", "-"]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("sock: scan of 65,536 addresses x 65,535 ports: 4,294,901,760 probes, more than the 16,777,216 one scan may hold (scan fewer ports or a smaller range)",
            Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task more_than_a_16_of_targets_in_all_is_a_usage_error()
    {
        // Each range is within the /16 limit; together they are not. Was: every one expanded and scanned.
        var run = await SockRunner.RunAsync(["scan", "127.0.0.0/16", "127.1.0.0/17", "-p", "1"]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("sock: targets 127.0.0.0/16 127.1.0.0/17: more than 65,536 addresses in all (one scan holds at most a /16's worth; scan the ranges one at a time)",
            Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task an_empty_port_list_is_a_usage_error()
    {
        var run = await SockRunner.RunAsync(["scan", "127.0.0.1", "-p", ""]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("empty", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task open_ports_are_listed_with_service_names_and_the_rest_summed_up()
    {
        var address = FreshLoopback();
        using var a = ListenOn(address);
        using var b = ListenOn(address);
        var first = Math.Min(PortOf(a), PortOf(b));
        var last = Math.Max(PortOf(a), PortOf(b));
        var run = await SockRunner.RunAsync(["scan", address.ToString(), "-p", $"{first}-{last},80"]);
        Assert.Equal(0, run.ExitCode);
        output.WriteLine(run.Stdout);
        Assert.Contains($"Scan report for {address}", run.Stdout);
        Assert.Matches($@"(?m)^{PortOf(a)}/tcp\s+open\s+\S+", run.Stdout);
        Assert.Matches($@"(?m)^{PortOf(b)}/tcp\s+open\s+\S+", run.Stdout);
        Assert.DoesNotContain("80/tcp", run.Stdout);
        var scanned = last - first + 1 + 1;
        Assert.Contains($"Not shown: {scanned - 2:N0} closed tcp ports (conn-refused)", run.Stdout);
        Assert.Matches(@"Scanned 1 host, [\d,]+ tcp ports in [\d.]+s \([\d,]+ ports/s", run.Stdout);
        Assert.DoesNotContain("\u001b", run.Stdout);
    }

    [Fact]
    public async Task a_well_known_port_shows_its_service_name()
    {
        var address = FreshLoopback();
        Socket listener;
        try
        {
            listener = ListenOn(address, 80);
        }
        catch (SocketException)
        {
            output.WriteLine("skipped: cannot bind port 80 here (not root, or taken)");
            return;
        }
        using (listener)
        {
            var run = await SockRunner.RunAsync(["scan", address.ToString(), "-p", "http"]);
            Assert.Equal(0, run.ExitCode);
            Assert.Matches(@"(?m)^80/tcp\s+open\s+http\b", run.Stdout);
        }
    }

    [Fact]
    public async Task all_shows_closed_ports_and_json_carries_every_verdict()
    {
        var address = FreshLoopback();
        using var a = ListenOn(address);
        var port = PortOf(a);
        var ports = $"{port - 2}-{port + 2}";
        var text = await SockRunner.RunAsync(["scan", address.ToString(), "-p", ports, "--all"]);
        Assert.Matches($@"(?m)^{port - 1}/tcp\s+closed", text.Stdout);
        var run = await SockRunner.RunAsync(["scan", address.ToString(), "-p", ports, "--all", "--json"]);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal("tcp", root.GetProperty("protocol").GetString());
        Assert.Equal(5, root.GetProperty("portsPerHost").GetInt32());
        var host = root.GetProperty("hosts")[0];
        Assert.Equal(address.ToString(), host.GetProperty("address").GetString());
        Assert.Equal(1, host.GetProperty("counts").GetProperty("open").GetInt32());
        Assert.Equal(4, host.GetProperty("counts").GetProperty("closed").GetInt32());
        var states = host.GetProperty("ports").EnumerateArray().ToDictionary(p => p.GetProperty("port").GetInt32(), p => p.GetProperty("state").GetString());
        Assert.Equal("open", states[port]);
        Assert.Equal("closed", states[port + 1]);
    }

    [Fact]
    public async Task a_cidr_range_scans_every_address_in_it()
    {
        var b = (byte)Random.Shared.Next(100, 200);
        var c = (byte)Random.Shared.Next(1, 255);
        var baseAddress = new IPAddress([127, b, c, 4]);
        using var listener = ListenOn(new IPAddress([127, b, c, 6]));
        var run = await SockRunner.RunAsync(["scan", $"127.{b}.{c}.4/30", "-p", PortOf(listener).ToString(), "--json"]);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var hosts = doc.RootElement.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal([$"127.{b}.{c}.4", $"127.{b}.{c}.5", $"127.{b}.{c}.6", $"127.{b}.{c}.7"], hosts.Select(h => h.GetProperty("address").GetString()));
        Assert.Equal([0, 0, 1, 0], hosts.Select(h => h.GetProperty("counts").GetProperty("open").GetInt32()));
        Assert.Equal(baseAddress.ToString(), hosts[0].GetProperty("address").GetString());
    }

    [Fact]
    public async Task the_default_is_the_thousand_most_common_ports()
    {
        var run = await SockRunner.RunAsync(["scan", FreshLoopback().ToString(), "--json"]);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(1000, doc.RootElement.GetProperty("portsPerHost").GetInt32());
    }

    [Fact]
    public async Task banner_shows_what_the_service_says_first_escaped()
    {
        var address = FreshLoopback();
        using var listener = ListenOn(address);
        using var quiet = ListenOn(address);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var greeter = Task.Run(async () =>
        {
            using var c = await listener.AcceptAsync(stop.Token);
            await c.SendAsync("SSH-2.0-sock_test\r\n\u0001"u8.ToArray(), stop.Token);
            await Task.Delay(2000, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var run = await SockRunner.RunAsync(["scan", address.ToString(), "-p", $"{PortOf(listener)},{PortOf(quiet)}", "--banner"]);
        Assert.Equal(0, run.ExitCode);
        output.WriteLine(run.Stdout);
        Assert.Contains(@"SSH-2.0-sock_test\r\n\x01", run.Stdout);
        Assert.Matches($@"(?m)^{PortOf(quiet)}/tcp\s+open\s+\S+\s*$", run.Stdout);
        await stop.CancelAsync();
        await greeter.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task ipv6_loopback_is_scanned_too()
    {
        using var listener = ListenOn(IPAddress.IPv6Loopback);
        var run = await SockRunner.RunAsync(["scan", "::1", "-p", PortOf(listener).ToString()]);
        Assert.Equal(0, run.ExitCode);
        Assert.Matches($@"(?m)^{PortOf(listener)}/tcp\s+open", run.Stdout);
    }

    [Fact]
    public async Task trace_shows_the_connects_as_bsd_calls()
    {
        var address = FreshLoopback();
        using var listener = ListenOn(address);
        var run = await SockRunner.RunAsync(["scan", address.ToString(), "-p", PortOf(listener).ToString(), "--trace"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("socket(AF_INET, SOCK_STREAM", run.Stderr);
        Assert.Contains($"connect(", run.Stderr);
        Assert.Contains($"{address}:{PortOf(listener)}) = 0", run.Stderr);
        Assert.Contains("close(", run.Stderr);
    }

    [Fact]
    public async Task a_target_with_no_route_exits_1_and_says_so()
    {
        // Inside a namespace of our own whose only routes are loopback and its /30, nothing can leave: connect fails
        // at once with "network unreachable".
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            var run = await ScanNamespace.RunAsync(ns.Exec([.. SockRunner.Executable, "scan", "10.232.1.1", "-p", "22,80"]));
            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sock: scan 10.232.1.1 failed: unreachable", line);
        }
    }

    [Fact]
    public async Task a_name_that_does_not_resolve_is_reported_and_the_other_targets_still_scanned()
    {
        // Inside a namespace of our own the resolver cannot be reached (no route, or nothing on its loopback), so the
        // lookup fails without a packet leaving the machine.
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            var port = ns.Listen(new IPEndPoint(IPAddress.Loopback, 0));
            var run = await ScanNamespace.RunAsync(ns.Exec([.. SockRunner.Executable, "scan", "no-such-host.invalid", "127.0.0.1", "-p", port.ToString()]),
                timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sock: resolve no-such-host.invalid failed: ", line);
            Assert.Matches($@"(?m)^{port}/tcp\s+open", run.Stdout);
        }
    }

    [Fact]
    public async Task a_name_that_cannot_be_resolved_under_no_dns_is_a_usage_error()
    {
        var run = await SockRunner.RunAsync(["scan", "-n", "localhost", "-p", "80"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("-n forbids name lookups", Assert.Single(run.StderrLines));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("portable")]
    public async Task the_open_file_limit_caps_the_sockets_in_flight(string engine)
    {
        if (!ExternalTool.Exists("prlimit"))
        {
            output.WriteLine("skipped: prlimit is not installed");
            return;
        }
        // Soft and hard limit 160: the scan cannot raise it, so it must fit 4,000 ports through what is left.
        var run = await ScanNamespace.RunAsync(["prlimit", "--nofile=160:160", .. SockRunner.Executable,
            "scan", FreshLoopback().ToString(), "-p", "1-4000", "--max-parallel", "4096", "--engine", engine, "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var ceiling = doc.RootElement.GetProperty("parallelCeiling").GetInt32();
        Assert.InRange(ceiling, 1, 160 - 64);
        Assert.True(doc.RootElement.GetProperty("peakInFlight").GetInt32() <= ceiling);
        var counts = doc.RootElement.GetProperty("hosts")[0].GetProperty("counts");
        Assert.Equal(4000, counts.GetProperty("open").GetInt32() + counts.GetProperty("closed").GetInt32());
    }

    [Fact]
    public async Task careful_timing_spaces_its_probes()
    {
        var run = await SockRunner.RunAsync(["scan", FreshLoopback().ToString(), "-p", "1-10", "-T", "careful", "--json"]);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal("careful", doc.RootElement.GetProperty("timing").GetString());
        // Ten probes, at least 50 ms apart.
        Assert.True(doc.RootElement.GetProperty("elapsedSeconds").GetDouble() >= 0.44, run.Stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("peakInFlight").GetInt32());
    }

    [Fact]
    public async Task help_has_examples()
    {
        var run = await SockRunner.RunAsync("scan --help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout);
        Assert.Contains("--max-parallel", run.Stdout);
        Assert.Contains("--timing", run.Stdout);
    }
}
