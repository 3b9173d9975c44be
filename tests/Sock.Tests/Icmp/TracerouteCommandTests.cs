using System.Text.Json;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Icmp;

/// <summary>sock traceroute on loopback: one hop, every probe method, JSON, and its usage errors.</summary>
public class TracerouteCommandTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("127.0.0.1", "")]
    [InlineData("::1", "")]
    [InlineData("127.0.0.1", "-I")]
    [InlineData("::1", "-I")]
    [InlineData("127.0.0.1", "-T")]
    [InlineData("::1", "-T")]
    public async Task loopback_is_one_hop_with_every_method(string loopback, string method)
    {
        string[] extra = method.Length == 0 ? [] : method == "-T" ? ["-T", "-p", "1"] : [method];
        var sock = await SockRunner.RunAsync(["traceroute", "-n", "-q", "2", "-w", "2", .. extra, loopback]);
        output.WriteLine(sock.ToString());
        Assert.Equal(0, sock.ExitCode);
        var lines = sock.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"traceroute to {loopback} ({loopback}), 30 hops max, ", lines[0]);
        Assert.Matches($@"^ 1  {System.Text.RegularExpressions.Regex.Escape(loopback)}  \d+\.\d{{3}} ms  \d+\.\d{{3}} ms$", lines[1]);
    }

    [Fact]
    public async Task json_has_the_hops_and_the_method()
    {
        var sock = await SockRunner.RunAsync(["traceroute", "--json", "-n", "-q", "1", "127.0.0.1"]);
        Assert.Equal(0, sock.ExitCode);
        using var doc = JsonDocument.Parse(sock.Stdout);
        Assert.True(doc.RootElement.GetProperty("reached").GetBoolean());
        var hop = Assert.Single(doc.RootElement.GetProperty("hops").EnumerateArray());
        Assert.Equal(1, hop.GetProperty("ttl").GetInt32());
        Assert.Equal("127.0.0.1", hop.GetProperty("probes")[0].GetProperty("address").GetString());
        Assert.StartsWith("UDP to port 33434+", doc.RootElement.GetProperty("method").GetString());
    }

    [Theory]
    [InlineData("-q 0 127.0.0.1", "-q 0")]
    [InlineData("-m 0 127.0.0.1", "-m 0")]
    [InlineData("-m 256 127.0.0.1", "-m 256")]
    [InlineData("-f 5 -m 3 127.0.0.1", "-f 5")]
    [InlineData("-w 0 127.0.0.1", "-w")]
    [InlineData("-p 70000 127.0.0.1", "-p 70000")]
    [InlineData("-I -T 127.0.0.1", "-I -T")]
    [InlineData("--mtu -T 127.0.0.1", "--mtu")]
    [InlineData("no-such-host.invalid", "no-such-host.invalid")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string named)
    {
        var sock = await SockRunner.RunAsync("traceroute " + args);
        output.WriteLine(sock.ToString());
        Assert.Equal(2, sock.ExitCode);
        var line = Assert.Single(sock.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotContain("Exception", sock.Stderr);
    }
}
