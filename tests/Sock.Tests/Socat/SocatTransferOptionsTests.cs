using Sock.Tests.Support;

namespace Sock.Tests.Socat;

/// <summary>
/// socat's transfer options through `sock socat`, each against real socat doing the same: -t ends the run once the other
/// side stays silent after one side's end, -T ends an idle run, -u moves one way only, crlf converts line ends.
/// </summary>
public sealed class SocatTransferOptionsTests
{
    /// <summary>A server that never answers and never closes: after stdin's end both exit 0 once -t of silence has passed.</summary>
    [Fact]
    public async Task after_stdins_end_a_silent_peer_is_given_up_after_the_close_timeout()
    {
        var q = SocatPeers.FreePort(Transports.Tcp4);
        // The server's own -t 100 keeps the connection open after the client's end (its default 0.5 s would close it).
        await using var server = SocatPeers.Start("socat", "-t", "100", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:sleep 60");
        await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
        foreach (var tool in new[] { "socat", "sock" })
        {
            // Without -t the run would last as long as the server (60 s); the runner's own limit (25 s) fails it first.
            var r = await RunBoundedAsync(tool, "request\n", TimeSpan.FromSeconds(25), "-t", "1", "-", $"TCP:127.0.0.1:{q}");
            Assert.Equal((0, ""), (r.ExitCode, r.Stdout));
        }
    }

    /// <summary>Nothing moves either way: -T 1 ends the run (exit 0), as socat's inactivity timeout.</summary>
    [Fact]
    public async Task an_idle_run_ends_after_the_inactivity_timeout()
    {
        var q = SocatPeers.FreePort(Transports.Tcp4);
        await using var server = SocatPeers.Start("socat", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:sleep 60");
        await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
        foreach (var tool in new[] { "socat", "sock" })
        {
            // sleep 8: longer than -T, and short, since the runner waits for stderr, which the program holds.
            var r = await RunBoundedAsync(tool, null, TimeSpan.FromSeconds(25), "-T", "1", $"TCP:127.0.0.1:{q}", "SYSTEM:sleep 8");
            Assert.Equal(0, r.ExitCode);
        }
    }

    /// <summary>-u: the first address is only read; what the server sends back never reaches stdout.</summary>
    [Fact]
    public async Task unidirectional_mode_moves_the_first_address_to_the_second_only()
    {
        var q = SocatPeers.FreePort(Transports.Tcp4);
        await using var server = SocatPeers.Start("socat", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:echo greeting; wc -c");
        await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
        var both = new List<string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            var oneWay = await RunBoundedAsync(tool, "12345\n", TimeSpan.FromSeconds(25), "-u", "-", $"TCP:127.0.0.1:{q}");
            var twoWays = await RunBoundedAsync(tool, "12345\n", TimeSpan.FromSeconds(25), "-t", "20", "-", $"TCP:127.0.0.1:{q}");
            both.Add($"{oneWay.ExitCode}:{oneWay.Stdout}|{twoWays.ExitCode}:{twoWays.Stdout}");
        }
        Assert.Equal("0:|0:greeting\n6\n", both[0]);
        Assert.Equal(both[0], both[1]);
    }

    /// <summary>
    /// crlf on one side: LF towards it goes out as CR LF (the server counts 2 more bytes), and CRs coming from it are
    /// dropped (the server counts 2 fewer, and its answer reaches a crlf stdout as CR LF).
    /// </summary>
    [Fact]
    public async Task crlf_converts_line_ends_on_its_side()
    {
        var q = SocatPeers.FreePort(Transports.Tcp4);
        await using var server = SocatPeers.Start("socat", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:wc -c");
        await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
        var results = new List<string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            var towards = await RunBoundedAsync(tool, "a\nb\n", TimeSpan.FromSeconds(25), "-t", "20", "-", $"TCP:127.0.0.1:{q},crlf");
            var from = await RunBoundedAsync(tool, "a\r\nb\r\n", TimeSpan.FromSeconds(25), "-t", "20", "-,crlf", $"TCP:127.0.0.1:{q}");
            results.Add($"{towards.ExitCode}:{towards.Stdout}|{from.ExitCode}:{from.Stdout}");
        }
        Assert.Equal("0:6\n|0:4\r\n", results[0]);
        Assert.Equal(results[0], results[1]);
    }

    private static Task<SockRun> RunBoundedAsync(string tool, string? stdin, TimeSpan limit, params string[] args) =>
        tool == "socat"
            ? ProcessRunner.RunAsync(["socat", .. args], stdin, limit)
            : SockRunner.RunAsync(["socat", .. args], stdin, limit);
}
