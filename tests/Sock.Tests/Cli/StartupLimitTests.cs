using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>
/// Too few file descriptors at start once crashed the runtime while it loaded (an unhandled exception, SIGABRT, or "the
/// type initializer … threw"). sock raises the soft limit to the hard one, and below its minimum says so in one line.
/// </summary>
public class StartupLimitTests
{
    [Theory]
    [InlineData("listen -k 127.0.0.1 0")]
    [InlineData("serve echo --tcp --port 0 --bind 127.0.0.1")]
    [InlineData("connect 127.0.0.1 9")]
    public async Task a_hard_limit_of_64_open_files_is_one_line_and_exit_1(string args)
    {
        Assert.True(ExternalTool.Exists("prlimit"), "prlimit (util-linux) is needed for this test");
        var run = await ProcessRunner.RunAsync(["prlimit", "--nofile=64:64", .. SockRunner.Command(args.Split(' '))], "", TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("sock: too few file descriptors (ulimit -n 64); at least 128 needed", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task a_low_soft_limit_is_raised_to_the_hard_one_at_start()
    {
        Assert.True(ExternalTool.Exists("prlimit"), "prlimit (util-linux) is needed for this test");
        var process = ProcessRunner.Start(["prlimit", "--nofile=64:4096", .. SockRunner.Command(["listen", "-k", "-v", "127.0.0.1", "0"])]);
        await using var sock = new RunningProcessScope(process);
        var line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("Listening on 127.0.0.1:", line);
        var limits = File.ReadAllLines($"/proc/{process.Id}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.Equal(["4096", "4096"], limits.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3..5]);
    }

    /// <summary>Kills a process (prlimit has exec'd sock in its place) at the end of a test.</summary>
    private sealed class RunningProcessScope(System.Diagnostics.Process p) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await Task.WhenAny(p.WaitForExitAsync(), Task.Delay(3000));
            p.Dispose();
        }
    }
}
