using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>
/// "@name" is a Linux abstract socket name (ss's and socat's spelling), on every command that takes a Unix socket.
/// System.CommandLine used to read any argument starting with '@' as a response file ("Response file not found").
/// </summary>
public class AbstractSocketNameTests
{
    private static string UniqueName(string what) => $"sock-test-{what}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    [Fact]
    public async Task addr_explains_an_abstract_name()
    {
        var run = await SockRunner.RunAsync(["addr", "@abstract"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("An abstract name", run.Stdout);
        Assert.Contains("01 00 00 61 62 73 74 72 61 63 74", run.Stdout); // AF_UNIX, then a NUL byte and the name
    }

    [Fact]
    public async Task connect_reaches_socat_abstract_listen()
    {
        var name = UniqueName("connect");
        await using var socat = RunningProcess.Tool("socat", false, $"ABSTRACT-LISTEN:{name}", "EXEC:cat");
        await WaitForAbstractAsync(name);
        var run = await SockRunner.RunAsync(["connect", "-U", "@" + name], stdin: "ping\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("ping\n", run.Stdout);
    }

    [Fact]
    public async Task listen_takes_socat_abstract_connect()
    {
        var name = UniqueName("listen");
        await using var sock = RunningProcess.Sock("listen", "-U", "@" + name);
        await WaitForAbstractAsync(name);
        var socat = await ProcessRunner.RunAsync(["socat", "-", $"ABSTRACT-CONNECT:{name}"], stdin: "hello\n", timeout: TimeSpan.FromSeconds(20));
        Assert.True(socat.ExitCode == 0, socat.ToString());
        Assert.Equal(0, await sock.WaitForExitAsync());
        Assert.Equal("hello\n", Encoding.UTF8.GetString((await sock.Stdout).Bytes));
    }

    [Fact]
    public async Task serve_echo_answers_socat_on_an_abstract_name()
    {
        var name = UniqueName("serve");
        await using var sock = RunningProcess.Sock("serve", "echo", "--unix", "@" + name);
        await WaitForAbstractAsync(name);
        var socat = await ProcessRunner.RunAsync(["socat", "-t", "2", "-", $"ABSTRACT-CONNECT:{name}"], stdin: "pong\n", timeout: TimeSpan.FromSeconds(20));
        Assert.True(socat.ExitCode == 0, socat.ToString());
        Assert.Equal("pong\n", socat.Stdout);
    }

    /// <summary>Waits (at most 30 s) until /proc/net/unix shows a socket bound to @<paramref name="name"/>.</summary>
    private static async Task WaitForAbstractAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (File.ReadLines("/proc/net/unix").Any(l => l.EndsWith(" @" + name, StringComparison.Ordinal))) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"nothing bound @{name}");
    }
}
