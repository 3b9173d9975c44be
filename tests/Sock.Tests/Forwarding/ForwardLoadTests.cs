using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// Many clients through one `sock forward`: 1,000 at once, each with its own bytes back intact; and thousands coming and
/// going leave the forwarder's descriptors where they started.
/// </summary>
public sealed class ForwardLoadTests
{
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_thousand_concurrent_clients_each_get_their_own_bytes_back(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-load-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling);

        // All connected first (so all are open at once in the forwarder), then each sends its own message and reads it back.
        var clients = new List<Socket>(1000);
        try
        {
            for (var i = 0; i < 1000; i += 100)
                clients.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => forward.ConnectAsync())));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (echo.Open < 1000 && sw.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50);
            // Said with the forwarder's log when short (999 once in a fresh-clone run: a Unix target's full accept queue
            // refused one connect with EAGAIN before connects waited for room).
            Assert.True(echo.Open == 1000, $"{echo.Open} open at the target; forwarder: {string.Join(" | ", forward.Process.StderrLines.TakeLast(20))}");
            var results = await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var message = $"client {i} " + new string((char)('a' + i % 26), 1000) + "\n";
                await c.SendAsync(Encoding.ASCII.GetBytes(message));
                c.Shutdown(SocketShutdown.Send);
                var back = Encoding.ASCII.GetString(await Netcat.Net.ReadToEndAsync(c, TimeSpan.FromSeconds(60)));
                return back == message;
            }));
            Assert.Equal(1000, results.Count(ok => ok));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task descriptors_return_to_their_baseline_after_thousands_of_forwarded_connections(string transport)
    {
        using var dir = new TempDirectory("sock-fwd-fd-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), echo.Spelling);
        // A first round warms the runtime up (its own descriptors: thread pool, epoll), then the baseline is taken.
        await RoundsAsync(forward, 1);
        await SettledAsync(forward, int.MaxValue);
        var baseline = forward.OpenDescriptors();
        await RoundsAsync(forward, 40); // 40 × 50 = 2,000 connections, 50 at a time
        var now = await SettledAsync(forward, baseline);
        if (now > baseline)
        {
            // Which sessions are still open, for the failure message.
            forward.Signal("USR1");
            await forward.Process.WaitForStderrAsync("^sessions at ");
            await Task.Delay(500);
        }
        Assert.True(now <= baseline, $"{now} descriptors open after 2,000 connections, {baseline} before: {string.Join(" | ", forward.Process.StderrLines)} fds: {string.Join(",", Directory.GetFiles($"/proc/{forward.Pid}/fd").Select(f => { try { return new FileInfo(f).LinkTarget; } catch (IOException) { return "?"; } }))}");
    }

    private static async Task RoundsAsync(ForwardProcess forward, int rounds)
    {
        for (var r = 0; r < rounds; r++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            {
                using var c = await forward.ConnectAsync();
                await c.SendAsync("x\n"u8.ToArray());
                c.Shutdown(SocketShutdown.Send);
                Assert.Equal("x\n", Encoding.ASCII.GetString(await Netcat.Net.ReadToEndAsync(c, TimeSpan.FromSeconds(30))));
            }));
        }
    }

    /// <summary>The forwarder's descriptor count once it stops falling (sessions closing after their clients), bounded at 20 s.</summary>
    private static async Task<int> SettledAsync(ForwardProcess forward, int goal)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var last = forward.OpenDescriptors();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(250);
            var now = forward.OpenDescriptors();
            if (now <= goal || (now == last && goal == int.MaxValue)) return now;
            last = now;
        }
        return forward.OpenDescriptors();
    }
}
