using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

public class DemoCommandTests
{
    public static TheoryData<string, string> Walks => new()
    {
        { Transports.Tcp4, "" },
        { Transports.Tcp6, "-6" },
        { Transports.Unix, "--unix" },
        { Transports.Udp4, "--udp" },
        { Transports.Udp6, "--udp -6" },
    };

    [Theory]
    [MemberData(nameof(Walks))]
    public async Task demo_exchanges_hello_messages_in_four_stages(string transport, string flags)
    {
        var run = await SockRunner.RunAsync($"demo {flags}");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("server: Hello from client", run.Stdout);
        Assert.Contains("client: Hello from server", run.Stdout);
        for (var stage = 1; stage <= 4; stage++)
            Assert.Contains($"== {stage}. ", run.Stdout);
        Assert.DoesNotContain("\u001b[", run.Stdout);
        var family = transport switch { Transports.Tcp4 or Transports.Udp4 => "AF_INET,", Transports.Tcp6 or Transports.Udp6 => "AF_INET6,", _ => "AF_UNIX," };
        Assert.Matches(@"\+\d+\.\d{3}ms socket\(" + family, run.Stdout);
        // A Unix client that comes before its server finds no socket file; IP clients are refused.
        Assert.Contains(transport == Transports.Unix ? "ENOENT" : "ECONNREFUSED", run.Stdout);
        Assert.Contains(transport == Transports.Unix ? "no such socket file" : "connection refused", run.Stdout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-6")]
    public async Task demo_shows_the_kernel_rows_where_listener_and_accepted_socket_share_the_port(string flags)
    {
        var run = await SockRunner.RunAsync($"demo {flags}");
        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = run.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^\s+tcp\s")).ToList();
        // Said in full when it fails: once (fresh-clone run, 2026-12-06) a fourth row of the demo's own sockets showed.
        Assert.True(rows.Count == 3, $"{rows.Count} tcp rows:\n{string.Join('\n', rows)}\n--- stdout ---\n{run.Stdout}");
        var listen = Regex.Match(rows.Single(r => r.Contains("LISTEN")), @":(\d+)\s");
        var port = listen.Groups[1].Value;
        var established = rows.Where(r => r.Contains("ESTAB")).ToList();
        Assert.Equal(2, established.Count);
        // The accepted socket's local port is the listener's; the client's peer port is the listener's.
        Assert.Contains(established, r => Regex.IsMatch(r, $@"ESTAB\s+\S+:{port}\s"));
        Assert.Contains(established, r => Regex.IsMatch(r, $@":{port}\s+\S+ pid="));
        Assert.Contains($"pid=", rows[0]);
    }

    [Theory]
    [InlineData("--udp", "127.0.0.1")]
    [InlineData("--udp -6", "[::1]")]
    public async Task demo_udp_refusal_names_the_address_and_explains_the_icmp_error(string flags, string loopback)
    {
        var run = await SockRunner.RunAsync($"demo {flags}");
        Assert.True(run.ExitCode == 0, run.ToString());
        // The last step's error names where the datagram went, not "-".
        Assert.Matches(@"receive from " + System.Text.RegularExpressions.Regex.Escape(loopback) + @":\d+ failed: connection refused", run.Stdout);
        Assert.DoesNotContain("receive from - ", run.Stdout);
        Assert.Contains("ICMP port unreachable", run.Stdout);
        Assert.Contains("connected", run.Stdout);
    }

    [Fact]
    public async Task demo_rejects_contradictory_options()
    {
        var run = await SockRunner.RunAsync("demo --unix --udp");
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public async Task demo_json_records_every_call_and_the_kernel_rows(string transport, string flags)
    {
        var run = await SockRunner.RunAsync($"demo --json {flags}");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("exchanged").GetBoolean());
        var events = root.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4], events.Where(e => e.GetProperty("kind").GetString() == "stage").Select(e => e.GetProperty("stage").GetInt32()));
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "call" && e.GetProperty("text").GetString()!.StartsWith("socket(", StringComparison.Ordinal));
        var table = events.Single(e => e.GetProperty("kind").GetString() == "table");
        var rows = table.GetProperty("rows").EnumerateArray().ToList();
        // Said in full when it fails: a fresh-clone run under load once listed 4 rows for the 3 TCP sockets.
        Assert.True((transport is Transports.Udp4 or Transports.Udp6 ? 2 : 3) == rows.Count, table.ToString());
        Assert.All(rows, r => Assert.True(r.GetProperty("inode").GetInt64() > 0));
        Assert.NotNull(root.GetProperty("refusedError").GetString());
    }
}
