using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>`sock nc` end to end: an ncat script line runs unchanged.</summary>
public class NcCommandTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task ncat_style_listen_and_connect_talk_to_each_other(string transport)
    {
        string[] listen;
        string? path = null;
        using var dir = new TempDirectory("sock-nc-");
        if (transport == Transports.Unix)
        {
            path = dir.File("s.sock");
            listen = ["-lvU", path];
        }
        else listen = transport == Transports.Tcp6 ? ["-6lvnp0"] : ["-4lvnp", "0"];
        await using var server = RunningProcess.Sock(["nc", .. listen]);
        var m = await server.WaitForStderrAsync(@"^Listening on (\S+)");
        var target = Net.TargetFrom(transport, m.Groups[1].Value, path);
        string[] connect = path is not null ? ["-U", path] : ["-w2s", target.Host!, target.Port.ToString()];
        var client = await SockRunner.RunAsync(["nc", .. connect], "over ncat's command line\n");
        Assert.Equal(0, client.ExitCode);
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Equal("over ncat's command line\n", server.StdoutText);
    }

    [Fact]
    public async Task nc_udp_with_q()
    {
        var (peer, target) = Net.TestListener(Transports.Udp4);
        using var _ = peer;
        var run = await SockRunner.RunAsync(["nc", "-u", "-q", "200ms", target.Host!, target.Port.ToString()], "dgram");
        Assert.Equal(0, run.ExitCode);
        var buf = new byte[64];
        Assert.Equal("dgram", Encoding.ASCII.GetString(buf, 0, peer.Receive(buf)));
    }

    [Theory]
    [InlineData("--ssl-crl x.pem 127.0.0.1 1")]
    [InlineData("--lua-exec x.lua -l 1")]
    [InlineData("--frobnicate 127.0.0.1 1")]
    public async Task unsupported_or_unknown_options_are_exit_2_with_one_line(string args)
    {
        var run = await SockRunner.RunAsync(args.Split(' ').Prepend("nc"));
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: nc ", line);
    }

    [Fact]
    public async Task help_and_version()
    {
        var help = await SockRunner.RunAsync("nc --help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Examples:", help.Stdout);
        Assert.Contains("-d is --delay", help.Stdout);
        var version = await SockRunner.RunAsync("nc --version");
        Assert.Equal(0, version.ExitCode);
        Assert.Contains("ncat-compatible", version.Stdout);
    }

    [Theory]
    [InlineData("connect --help")]
    [InlineData("listen --help")]
    public async Task connect_and_listen_help_have_examples(string args)
    {
        var run = await SockRunner.RunAsync(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Stdout);
        Assert.Contains("--trace", run.Stdout);
    }

    [Fact]
    public async Task trace_shows_the_bsd_calls_of_a_session()
    {
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        var run = SockRunner.RunAsync(["--trace", "connect", .. target.ConnectArgs], "x");
        using (var c = await server.AcceptAsync()) { await Net.ReadToEndAsync(c); }
        var r = await run;
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("socket(AF_INET, SOCK_STREAM", r.Stderr);
        Assert.Contains($"connect(", r.Stderr);
        Assert.Contains("shutdown(", r.Stderr);
        Assert.Contains("SHUT_WR", r.Stderr);
    }

    [Fact]
    public async Task usage_errors_of_connect_and_listen_are_one_line()
    {
        foreach (var args in new[] { "connect 127.0.0.1", "connect 127.0.0.1 99999", "listen", "connect -k 127.0.0.1 1", "listen -z 1", "connect -4 -U /tmp/x", "listen -o /nonexistent-dir/x 0", "listen --allowfile /nonexistent-file 0", "listen --allow 10.0.0.0/99 0" })
        {
            var run = await SockRunner.RunAsync(args);
            Assert.True(run.ExitCode == 2, $"{args}: {run}");
            Assert.Single(run.StderrLines);
        }
    }
}
