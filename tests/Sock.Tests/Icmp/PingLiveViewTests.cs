using System.Text.RegularExpressions;
using Sock.Cli.Rendering;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Icmp;

/// <summary>sock ping's live view: one row per host redrawn in place on a terminal, never where output is a file or a pipe.</summary>
public partial class PingLiveViewTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Terminal = new() { ["NO_COLOR"] = "", ["TERM"] = "xterm" };

    [GeneratedRegex(@"^\s*(?:\u001b\[\d+A)?\r?(127\.0\.0\.1|::1)\s+(\d+)\s+(\d+)\s+(\d+)%\s+\S+ ms\s+\S+ ms\s+([▁▂▃▄▅▆▇█· ]+)\u001b\[K", RegexOptions.Multiline)]
    private static partial Regex Row();

    [Fact]
    public async Task several_hosts_on_a_terminal_get_a_row_each_redrawn_in_place_then_the_summaries()
    {
        // script(1) gives sock a pseudo-terminal for stdout, as a user's shell would.
        var sock = string.Join(' ', SockRunner.Command(["ping", "-c", "4", "-i", "0.2", "127.0.0.1", "::1"]).Select(a => $"'{a}'"));
        var run = await ProcessRunner.RunAsync(["script", "-qec", sock, "/dev/null"], timeout: TimeSpan.FromSeconds(60), environment: Terminal);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        // Redrawn: the cursor goes back up over the header and the two rows.
        Assert.Contains("\u001b[3A", run.Stdout);
        Assert.DoesNotContain("icmp_seq=", run.Stdout);
        // The last drawing has both hosts with all four answered, and four bars in each sparkline.
        var lastDrawing = run.Stdout[run.Stdout.LastIndexOf("HOST", StringComparison.Ordinal)..];
        var rows = Row().Matches(lastDrawing).ToList();
        Assert.Equal(["127.0.0.1", "::1"], rows.Select(m => m.Groups[1].Value));
        Assert.All(rows, m =>
        {
            Assert.Equal("4", m.Groups[2].Value);
            Assert.Equal("4", m.Groups[3].Value);
            Assert.Equal("0", m.Groups[4].Value);
            Assert.Equal(4, m.Groups[5].Value.Trim().Count(c => "▁▂▃▄▅▆▇█".Contains(c)));
        });
        // Then ping's summary per host.
        Assert.Contains("--- 127.0.0.1 ping statistics ---", run.Stdout);
        Assert.Contains("--- ::1 ping statistics ---", run.Stdout);
    }

    [Fact]
    public async Task several_hosts_into_a_pipe_get_pings_lines_and_no_escape_codes()
    {
        var run = await SockRunner.RunAsync(["ping", "-c", "2", "-i", "0.2", "127.0.0.1", "::1"], timeout: TimeSpan.FromSeconds(60), environment: Terminal);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("\u001b", run.Stdout);
        Assert.Equal(4, Regex.Matches(run.Stdout, "icmp_seq=").Count);
    }

    [Fact]
    public async Task several_hosts_into_a_file_get_pings_lines_and_no_escape_codes()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sock-live-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            var sock = string.Join(' ', SockRunner.Command(["ping", "-c", "2", "-i", "0.2", "127.0.0.1", "::1"]).Select(a => $"'{a}'"));
            var run = await ProcessRunner.RunAsync(["sh", "-c", $"{sock} > '{file}'"], timeout: TimeSpan.FromSeconds(60), environment: Terminal);
            Assert.True(run.ExitCode == 0, run.ToString());
            var text = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain("\u001b", text);
            Assert.Equal(4, Regex.Matches(text, "icmp_seq=").Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--live -c 1 127.0.0.1", "not a terminal")]
    [InlineData("--live -q -c 1 127.0.0.1", "-q prints no per-request output")]
    [InlineData("--live --json -c 1 127.0.0.1", "--json prints no per-request output")]
    [InlineData("--live -D -c 1 127.0.0.1", "-D stamps each reply line")]
    public async Task live_where_it_cannot_be_shown_is_a_usage_error(string args, string why)
    {
        var run = await SockRunner.RunAsync($"ping {args}");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sock: --live", line);
        Assert.Contains(why, line);
    }

    [Fact]
    public void the_sparkline_spreads_the_windows_round_trips_over_eight_levels_and_marks_the_unanswered()
    {
        (int, long?)[] recent = [(1, 100), (2, 800), (3, null), (4, 450), (5, null)];
        // 100 is the fastest (▁), 800 the slowest (█), 450 halfway; 3 went unanswered (·); 5 is the newest, still awaited.
        Assert.Equal("▁█·▄ ", PingLiveView.Sparkline(recent));
        Assert.Equal("▁▁", PingLiveView.Sparkline([(1, 300), (2, 300)]));
    }
}
