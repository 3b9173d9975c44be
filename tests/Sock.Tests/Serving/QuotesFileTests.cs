using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>`serve qotd --quotes FILE` reads a regular file of at most 1 MiB: a device read without end once took 2.4 GB.</summary>
public class QuotesFileTests
{
    [Theory]
    [InlineData("/dev/zero", "is not a regular file")]
    [InlineData("/dev/urandom", "is not a regular file")]
    [InlineData("/tmp", "is a directory")]
    public async Task a_quotes_file_that_is_not_a_regular_file_is_a_usage_error(string path, string reason)
    {
        var run = await SockRunner.RunAsync(["serve", "qotd", "--tcp", "--port", "0", "--bind", "127.0.0.1", "--quotes", path], "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"sock: quotes file {path}: {reason}", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task a_quotes_file_over_1_MiB_is_a_usage_error()
    {
        using var dir = new TempDirectory("sock-qotd-");
        var file = dir.File("fortunes");
        File.WriteAllText(file, string.Concat(Enumerable.Repeat("A short quote.\n%\n", 70_000))); // 1.1 MiB
        var run = await SockRunner.RunAsync(["serve", "qotd", "--tcp", "--port", "0", "--bind", "127.0.0.1", "--quotes", file], "", TimeSpan.FromSeconds(30));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"sock: quotes file {file}: is larger than 1 MiB (the most sock reads)", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task a_quotes_file_reached_through_a_symbolic_link_is_served()
    {
        using var dir = new TempDirectory("sock-qotd-");
        File.WriteAllText(dir.File("fortunes"), "Linked quote.\n%\n");
        File.CreateSymbolicLink(dir.File("link"), dir.File("fortunes"));
        await using var serve = await ServeProcess.StartAsync($"serve qotd --tcp --port 0 --bind 127.0.0.1 --quotes {dir.File("link")}", 1);
        using var c = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await c.ConnectAsync(System.Net.IPAddress.Loopback, serve.Port("qotd", "tcp"));
        Assert.Equal("Linked quote.\r\n", System.Text.Encoding.UTF8.GetString(await Sock.Tests.Netcat.Net.ReadToEndAsync(c)));
    }
}
