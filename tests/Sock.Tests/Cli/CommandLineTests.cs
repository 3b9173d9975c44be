using System.Xml.Linq;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

public class CommandLineTests
{
    [Fact]
    public async Task version_prints_the_version_the_build_defines()
    {
        var expected = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props")).Descendants("Version").Single().Value;
        var run = await SockRunner.RunAsync("--version");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Stdout.Trim());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("demo --help")]
    [InlineData("services --help")]
    [InlineData("addr --help")]
    [InlineData("connect --help")]
    [InlineData("listen --help")]
    [InlineData("nc --help")]
    [InlineData("serve --help")]
    [InlineData("stat --help")]
    [InlineData("scan --help")]
    [InlineData("bench --help")]
    public async Task help_is_complete_with_examples(string args)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout);
        Assert.Contains("--trace", run.Stdout);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("services --bogus")]
    [InlineData("frobnicate")]
    [InlineData("services --source nowhere")]
    public async Task unknown_words_are_a_one_line_usage_error(string args)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line);
        Assert.DoesNotContain(" at ", line);
    }

    [Fact]
    public async Task the_global_trace_and_debug_options_are_accepted_anywhere()
    {
        var run = await SockRunner.RunAsync("services 22 --trace --debug");
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task debug_shows_the_stack_trace_that_is_otherwise_hidden()
    {
        var plain = await SockRunner.RunAsync("addr nonsense");
        var debug = await SockRunner.RunAsync("addr nonsense --debug");
        Assert.Single(plain.StderrLines);
        Assert.Contains(" at ", debug.Stderr);
    }

    [Fact]
    public async Task piped_output_has_no_escape_codes_even_without_no_color()
    {
        var run = await SockRunner.RunAsync(["services", "80"], environment: new Dictionary<string, string> { ["NO_COLOR"] = "", ["TERM"] = "xterm-256color" });
        Assert.DoesNotContain("\u001b", run.Stdout);
    }

    [Fact]
    public async Task sock_help_lists_every_command_on_one_line()
    {
        var run = await SockRunner.RunAsync("--help");
        var listed = run.Stdout.Split('\n').SkipWhile(l => l != "Commands:").Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Equal(["demo", "connect", "listen", "nc", "socat", "serve", "forward", "proxy", "agent", "snmp", "stat", "scan", "ping", "traceroute", "bench", "stun", "peer", "rendezvous", "services", "addr", "http", "ui"], listed);
    }

    [Fact]
    public async Task shell_completion_suggests_commands_through_the_suggest_directive()
    {
        var run = await SockRunner.RunAsync(["[suggest:7]", "sock se"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["serve", "services"], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
