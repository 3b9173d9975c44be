using System.Text.Json;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

public class ServicesCommandTests
{
    [Fact]
    public async Task a_port_is_named_and_classed()
    {
        var run = await SockRunner.RunAsync("services 80");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^http\s+80/tcp\s+well-known \(0–1023\)", run.Stdout);
    }

    [Fact]
    public async Task a_name_finds_its_port() =>
        Assert.Matches(@"(?m)^ssh\s+22/tcp\s", (await SockRunner.RunAsync("services ssh")).Stdout);

    [Fact]
    public async Task a_protocol_narrows_the_answer()
    {
        var run = await SockRunner.RunAsync("services 53/udp");
        Assert.Matches(@"(?m)^domain\s+53/udp\s", run.Stdout);
        Assert.DoesNotContain("53/tcp", run.Stdout);
    }

    [Fact]
    public async Task a_range_lists_the_ports_in_it_with_their_class()
    {
        var run = await SockRunner.RunAsync("services 8000-8100 --source iana");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("8080/tcp", run.Stdout);
        Assert.Contains("registered (1024–49151)", run.Stdout);
        Assert.DoesNotContain("system", run.Stdout.Split('\n').Skip(1).Aggregate("", (a, l) => a + l.Split("  ", StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(3)));
    }

    [Fact]
    public async Task dynamic_ports_are_classed_even_when_unnamed()
    {
        var run = await SockRunner.RunAsync("services 60001");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("dynamic/private (49152–65535)", run.Stdout);
    }

    [Fact]
    public async Task iana_names_port_80_http_not_its_alias()
    {
        var run = await SockRunner.RunAsync("services 80 --source iana");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^http\s+80/tcp\s", run.Stdout);
        Assert.DoesNotContain("www-http", run.Stdout);
    }

    [Fact]
    public async Task port_zero_is_reserved_not_unassigned()
    {
        var run = await SockRunner.RunAsync("services 0/tcp");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^\(reserved\)\s+0/tcp\s.*\biana\b.*Reserved", run.Stdout);
        Assert.DoesNotContain("(unassigned)", run.Stdout);
    }

    [Fact]
    public async Task json_output_carries_both_names()
    {
        var run = await SockRunner.RunAsync("services 80/tcp --json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var e = doc.RootElement.EnumerateArray().Single();
        Assert.Equal(80, e.GetProperty("port").GetInt32());
        // IANA's service name for 80/tcp, not its alias www-http (which IANA notes is a duplicate of "http").
        Assert.Equal("http", e.GetProperty("ianaName").GetString());
        Assert.Equal("WellKnown", e.GetProperty("class").GetString());
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("abc/xyz")]
    [InlineData("80/sctpx")]
    [InlineData("90-80")]
    [InlineData("80x")]
    public async Task bad_input_is_a_one_line_usage_error(string query)
    {
        var run = await SockRunner.RunAsync(["services", query]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task an_unknown_name_says_so_and_exits_1()
    {
        var run = await SockRunner.RunAsync("services no-such-service-name");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no service is named 'no-such-service-name'", Assert.Single(run.StderrLines));
    }
}
