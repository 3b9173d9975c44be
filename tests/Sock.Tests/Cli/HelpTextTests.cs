using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>Help that says what each command does, in one style, and `sock nc`'s -h and --version as ncat's.</summary>
public class HelpTextTests
{
    [Fact]
    public async Task nc_version_is_the_same_version_string_as_sock_version()
    {
        var sock = await SockRunner.RunAsync("--version");
        var nc = await SockRunner.RunAsync("nc --version");
        Assert.Equal(0, nc.ExitCode);
        var version = sock.Stdout.Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.EndsWith(" " + version, nc.Stdout.Trim());
    }

    [Theory]
    [InlineData("nc -h")]
    [InlineData("nc --help")]
    [InlineData("nc -vh")]
    [InlineData("nc -lvh 8080")]
    [InlineData("nc -hlv")]
    public async Task nc_h_anywhere_prints_help_and_listens_nowhere(string args)
    {
        // Bounded well below the test's timeout: a listener would sit until killed.
        var run = await SockRunner.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("sock nc [options] HOST PORT", run.Stdout);
        Assert.Contains("Examples:", run.Stdout);
        Assert.DoesNotContain("Listening", run.Stderr);
        // System.CommandLine's boilerplate for unparsed arguments describes a parser sock nc does not use.
        Assert.DoesNotContain("additional arguments", run.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Arguments passed to the application", run.Stdout);
    }

    [Fact]
    public async Task listen_help_says_what_w_does_when_listening_and_hides_what_does_not_apply()
    {
        var run = await SockRunner.RunAsync("listen --help");
        var w = Assert.Single(run.Stdout.Split('\n'), l => l.TrimStart().StartsWith("-w, --wait", StringComparison.Ordinal));
        Assert.DoesNotContain("Connect timeout", w);
        Assert.Contains("TLS handshake", w);
        Assert.DoesNotContain("--ssl-servername", run.Stdout);
        Assert.DoesNotContain("(connecting only)", run.Stdout);
    }

    [Theory]
    [InlineData("scan --help")]
    [InlineData("bench --help")]
    [InlineData("serve --help")]
    [InlineData("stat --help")]
    [InlineData("connect --help")]
    [InlineData("listen --help")]
    public async Task value_placeholders_are_upper_case(string args)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(0, run.ExitCode);
        var lower = Regex.Matches(run.Stdout, @"<[a-z][a-z-]*>").Select(m => m.Value).Distinct().ToList();
        Assert.True(lower.Count == 0, $"lower-case placeholders in '{args}': {string.Join(", ", lower)}");
    }
}
