using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// 10,000 random greetings against `sock proxy` (a separate process, so its memory is its own): SOCKS5, SOCKS4 and HTTP
/// starts with random bytes after them, and bytes of no protocol at all. Meanwhile a real client is served every
/// 100 ms; at the end the proxy's resident memory has not grown without bound. The proxy may only reach the test's own
/// target (--allow-dest, and -n: a random name is never looked up), so no random address is ever contacted.
/// </summary>
public sealed class ProxyFuzzTests
{
    private const int Greetings = 10_000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("SOCK_FUZZ_SEED"), out var s) ? s : 20261206;

    [Fact]
    public async Task ten_thousand_random_greetings_neither_stop_a_real_client_nor_grow_memory_without_bound()
    {
        await using var target = await ProxyHarness.StartAsync(Transports.Tcp4);
        var (proxy, address) = await ProxyCommandTests.StartAsync("127.0.0.1:0", "-n", "--handshake-timeout", "2s",
            "--allow-dest", $"127.0.0.1:{target.TargetEndPoint.Port}");
        await using var _ = proxy;
        var random = new Random(Seed);
        var inputs = Enumerable.Range(0, Greetings).Select(_ => Greeting(random)).ToArray();

        long Rss() => long.Parse(File.ReadAllLines($"/proc/{proxy.Process.Id}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        using var stop = new CancellationTokenSource();
        var served = 0;
        var failures = new List<string>();
        var real = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var socket = await Socks5Bytes.ConnectAsync(address);
                    await using var st = new NetworkStream(socket);
                    await Socks5Bytes.GreetAsync(st);
                    var (code, _) = await Socks5Bytes.RequestAsync(st, 1, "127.0.0.1", target.TargetEndPoint.Port);
                    if (code != 0) throw new InvalidOperationException($"reply {code}");
                    await st.WriteAsync("real\n"u8.ToArray());
                    socket.Shutdown(SocketShutdown.Send);
                    var back = Encoding.ASCII.GetString(await Socks5Bytes.ReadToEndAsync(st));
                    if (back != "real\nbytes=5\n") throw new InvalidOperationException($"got {back}");
                    Interlocked.Increment(ref served);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    lock (failures) failures.Add(ex.Message);
                }
                await Task.Delay(100);
            }
        });

        var clock = Stopwatch.StartNew();
        long warm = 0;
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Greetings)
            {
                if (i == 1000) Interlocked.Exchange(ref warm, Rss());
                await SendAsync(address, inputs[i]);
            }
        })).ToArray();
        // Bounded: far more than 10,000 short exchanges need, even on a loaded machine.
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(240));
        stop.Cancel();
        await real;
        var end = Rss();

        Assert.True(failures.Count == 0, $"the real client failed {failures.Count} times: {string.Join("; ", failures.Take(3))}");
        Assert.True(served >= 3, $"served {served} real clients in {clock.Elapsed}");
        // Resident memory after 10,000 bad clients, against after the first 1,000: bounded (the heap may settle higher
        // once, but not by the size of what was sent, 10,000 × up to 4 KiB).
        Assert.True(end < warm + 48 * 1024, $"RSS {warm} KiB after 1,000 greetings, {end} KiB after {Greetings}");
        Assert.False(proxy.Process.HasExited);
    }

    private static byte[] Greeting(Random r)
    {
        var tail = new byte[r.Next(0, r.Next(4) == 0 ? 4096 : 48)];
        r.NextBytes(tail);
        byte[] head = r.Next(6) switch
        {
            0 => [5, (byte)r.Next(0, 4)],
            1 => [5, 1, 0, 5, (byte)r.Next(0, 4), 0, (byte)r.Next(0, 6)],
            2 => [4, (byte)r.Next(0, 3)],
            3 => Encoding.ASCII.GetBytes(r.Next(2) == 0 ? "CONNECT " : "GET http://"),
            4 => Encoding.ASCII.GetBytes($"{"GPCHO"[r.Next(5)]}"),
            _ => [],
        };
        return [.. head, .. tail];
    }

    /// <summary>One bad client: connect, send, end its side, read what comes back (at most 3 s), close.</summary>
    private static async Task SendAsync(IPEndPoint proxy, byte[] greeting)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await socket.ConnectAsync(proxy, cts.Token);
            if (greeting.Length > 0) await socket.SendAsync(greeting, SocketFlags.None, cts.Token);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // A reset, or a proxy still waiting (a valid request whose connect is under way): either is an answer.
        }
    }
}
