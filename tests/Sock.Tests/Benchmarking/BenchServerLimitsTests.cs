using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Benchmarking;
using Sock.Tests.Support;

namespace Sock.Tests.Benchmarking;

/// <summary>
/// sock bench --server under hostile control lines: what a client may ask is bounded (streams, write size, duration),
/// a client's sessions are counted together, an over-limit request gets a reply naming the limit, and memory stays
/// bounded whatever is asked.
/// </summary>
public sealed class BenchServerLimitsTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(20);

    private static string Request(string cookie, int streams, bool reverse, long size, long durationMs = 2000) =>
        string.Create(CultureInfo.InvariantCulture,
            $"SOCKBENCH/1 TCP cookie={cookie} streams={streams} reverse={(reverse ? 1 : 0)} size={size} duration_ms={durationMs} count=0 warmup_ms=0 interval_ms=1000");

    /// <summary>A raw control connection: the test speaks the protocol itself, as a hostile client would.</summary>
    private static async Task<Socket> ConnectAsync(EndPoint server)
    {
        var s = new Socket(server.AddressFamily, SocketType.Stream, server is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(Cap);
        await s.ConnectAsync(server, cts.Token);
        return s;
    }

    private static async Task<string?> AskAsync(Socket control, string line)
    {
        await control.SendAsync(Encoding.ASCII.GetBytes(line + "\n"));
        return await ReadLineAsync(control);
    }

    private static async Task<string?> ReadLineAsync(Socket s)
    {
        using var cts = new CancellationTokenSource(Cap);
        var sb = new StringBuilder();
        var one = new byte[1];
        while (sb.Length < 4096)
        {
            if (await s.ReceiveAsync(one, SocketFlags.None, cts.Token) == 0) return sb.Length == 0 ? null : sb.ToString();
            if (one[0] == '\n') return sb.ToString();
            sb.Append((char)one[0]);
        }
        return sb.ToString();
    }

    private static async Task<(BenchServer Server, Task Serving, CancellationTokenSource Stop)> StartAsync(string transport, BenchServerLimits? limits = null)
    {
        var server = new BenchServer(Transports.BindEndPoint(transport), udp: false, limits: limits);
        server.Start();
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = server.RunAsync(once: false, stop.Token);
        await Task.Yield();
        return (server, serving, stop);
    }

    public static TheoryData<string, string, string> OverLimit => new()
    {
        // The issue's request: 16 reverse streams of 64 MiB took RSS from 37 MiB to 1.26 GB.
        { Transports.Tcp4, Request("1a2b3c4d", 16, true, 64 << 20), "size 67108864 asked, more than this server's limit of 4194304 bytes (--max-buffer)" },
        { Transports.Tcp6, Request("1a2b3c4d", 10_000, true, 128 << 10), "10000 streams asked, more than this server's limit of 128 (--max-streams)" },
        { Transports.Unix, Request("1a2b3c4d", 1, false, 128 << 10, durationMs: 86_400_000), "86400s of measuring asked, longer than this server's limit of 3600s (--max-duration)" },
        { Transports.Tcp4, Request("1a2b3c4d", -5, false, 128 << 10), "streams=-5 is not a number of 0 or more" },
        { Transports.Unix, Request("1a2b3c4d", 0, false, 128 << 10), "streams must be at least 1" },
        { Transports.Tcp6, Request("1a2b3c4d", 1, false, 0), "size must be at least 1 byte" },
    };

    [Theory]
    [MemberData(nameof(OverLimit))]
    public async Task an_over_limit_request_is_refused_with_a_reply_naming_the_limit(string transport, string request, string reason)
    {
        var (server, serving, stop) = await StartAsync(transport);
        await using var _ = server;
        using var __ = stop;
        using var control = await ConnectAsync(server.LocalEndPoint!);
        Assert.Equal("SOCKBENCH/1 ERR " + reason, await AskAsync(control, request));
        Assert.Equal(0, server.StreamsInUse);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_clients_sessions_are_counted_together(string transport)
    {
        var (server, serving, stop) = await StartAsync(transport, new BenchServerLimits { MaxStreams = 4 });
        await using var _ = server;
        using var __ = stop;
        using (var first = await ConnectAsync(server.LocalEndPoint!))
        {
            Assert.Equal("SOCKBENCH/1 OK", await AskAsync(first, Request("00000001", 3, false, 1024)));
            using var second = await ConnectAsync(server.LocalEndPoint!);
            Assert.Equal("SOCKBENCH/1 ERR 2 more stream(s) asked with 3 running, more than this server's limit of 4 per client (--max-streams)",
                await AskAsync(second, Request("00000002", 2, false, 1024)));
            Assert.Equal(3, server.StreamsInUse);
        }
        // The first session's control connection closed: its streams are given back.
        var sw = Stopwatch.StartNew();
        while (server.StreamsInUse != 0 && sw.Elapsed < Cap) await Task.Delay(20);
        Assert.Equal(0, server.StreamsInUse);
        using var third = await ConnectAsync(server.LocalEndPoint!);
        Assert.Equal("SOCKBENCH/1 OK", await AskAsync(third, Request("00000003", 4, false, 1024)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task data_connections_beyond_the_streams_asked_for_are_closed(string transport)
    {
        var (server, serving, stop) = await StartAsync(transport);
        await using var _ = server;
        using var __ = stop;
        using var control = await ConnectAsync(server.LocalEndPoint!);
        Assert.Equal("SOCKBENCH/1 OK", await AskAsync(control, Request("0000abcd", 1, false, 1024)));
        using var a = await ConnectAsync(server.LocalEndPoint!);
        await a.SendAsync("SBD10000abcd"u8.ToArray());
        using var b = await ConnectAsync(server.LocalEndPoint!);
        await b.SendAsync("SBD10000abcd"u8.ToArray());
        // The two race to the server: whichever comes second is closed (end of stream), the other stays open.
        using var cts = new CancellationTokenSource(Cap);
        var readA = a.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token).AsTask();
        var readB = b.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token).AsTask();
        var first = await Task.WhenAny(readA, readB);
        Assert.Equal(0, await first);
        var other = first == readA ? readB : readA;
        Assert.False(await Task.WhenAny(other, Task.Delay(300)) == other, "the stream the session asked for was closed too");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    [Fact]
    public async Task the_client_shows_a_refusal_as_one_line()
    {
        var (server, port) = await StartServerProcessAsync("--max-streams", "2");
        try
        {
            var run = await SockRunner.RunAsync(["bench", "throughput", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "-P", "4", "-d", "1s"], timeout: Cap);
            Assert.True(run.ExitCode == 1, run.ToString());
            var line = Assert.Single(run.StderrLines);
            Assert.Equal($"sock: bench 127.0.0.1:{port} failed: the server refused: 4 streams asked, more than this server's limit of 2 (--max-streams)", line);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    [Fact]
    public async Task the_server_binds_loopback_unless_an_address_is_given()
    {
        var (server, port) = await StartServerProcessAsync();
        try
        {
            var stat = await SockRunner.RunAsync(["stat", "-tln", "-H", "sport", "=", ":" + port.ToString(CultureInfo.InvariantCulture)]);
            Assert.Contains($"127.0.0.1:{port}", stat.Stdout);
            Assert.DoesNotContain($"0.0.0.0:{port}", stat.Stdout);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    [Theory]
    [InlineData("--max-streams", "0")]
    [InlineData("--max-buffer", "1G")]
    [InlineData("--max-duration", "0s")]
    public async Task bad_limits_are_usage_errors(string option, string value)
    {
        var run = await SockRunner.RunAsync(["bench", "--server", "0", option, value], timeout: Cap);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"sock: {option} {value}: ", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task limits_without_server_are_a_usage_error()
    {
        var run = await SockRunner.RunAsync(["bench", "throughput", "127.0.0.1", "9", "--max-streams", "4"], timeout: Cap);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("use them with --server", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task memory_stays_bounded_whatever_a_client_asks()
    {
        // The server in its own process, so its resident memory is its alone: measured from /proc before and after.
        var (server, port) = await StartServerProcessAsync();
        var sockets = new List<Socket>();
        try
        {
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            var before = Kib(server.Id, "VmRSS");

            // The issue's request is refused outright.
            using (var hostile = await ConnectAsync(endpoint))
                Assert.StartsWith("SOCKBENCH/1 ERR size 67108864 asked", await AskAsync(hostile, Request("deadbeef", 16, true, 64 << 20)));

            // The most the defaults allow: 128 reverse streams of 4 MiB writes, to streams that never read.
            var control = await ConnectAsync(endpoint);
            sockets.Add(control);
            Assert.Equal("SOCKBENCH/1 OK", await AskAsync(control, Request("cafef00d", 128, true, 4 << 20, durationMs: 60_000)));
            for (var i = 0; i < 128; i++)
            {
                var s = await ConnectAsync(endpoint);
                sockets.Add(s);
                await s.SendAsync("SBD1cafef00d"u8.ToArray());
            }
            await control.SendAsync("START\n"u8.ToArray());
            // Every stream has started sending once its first byte is here (the peers read nothing more).
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var s in sockets.Skip(1))
                Assert.Equal(1, await s.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
            var peak = Kib(server.Id, "VmHWM");
            var grew = (peak - before) / 1024.0;
            // Before the limits, each stream held its own 4 MiB message (512 MiB here; 16 x 64 MiB for the issue's
            // request). Now the streams share one template: what grows is sockets, tasks and the runtime's own heaps.
            Assert.True(grew < 64, $"the server's peak resident memory grew by {grew:0.0} MiB (from {before / 1024.0:0.0} MiB)");
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    private static long Kib(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }

    /// <summary>Starts sock bench --server on a free port (no -B: the default address) and returns it with its port.</summary>
    private static async Task<(Process Server, int Port)> StartServerProcessAsync(params string[] extra)
    {
        var p = SockRunner.Start(["bench", "--server", "0", .. extra]);
        var first = await p.StandardOutput.ReadLineAsync().WaitAsync(Cap) ?? "";
        var m = System.Text.RegularExpressions.Regex.Match(first, @"listening on \S+:(\d+) ");
        if (!m.Success)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"no listening line from sock bench --server: '{first}' {await p.StandardError.ReadToEndAsync()}");
        }
        return (p, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }
}
