using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// Where a spliced forward's connections are served: on the epoll threads, start to end, as haproxy serves one on its
/// thread — the listener's accept(2) and the target's connect(2) on the server's, the connect's completion, the splices,
/// the FINs passed on and the closes on the relay's — never on .NET's thread pool, whose hand-offs (accept completion,
/// connect completion, the relay's end: each a thread woken) were most of a forwarded connection's cost. strace watches the
/// running forwarder and names the thread of every socket call a connection makes (its /proc comm: "sock epoll N" or
/// ".NET TP Worker").
/// </summary>
public sealed class ForwardThreadTests
{
    private const int Connections = 20;

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task a_spliced_connection_is_served_on_the_epoll_threads_not_the_thread_pool(string transport)
    {
        // The reactor accepts and connects for IP listeners and targets (a Unix one takes .NET's engine): TCP only.
        if (!OperatingSystem.IsLinux() || !ExternalTool.Exists("strace")) return;
        using var dir = new TempDirectory("sock-fwd-threads-");
        await using var echo = EchoTarget.Start(transport);
        var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-v"]);
        await using (forward)
        {
            // The first connection makes the relay's threads; the traced ones find them there.
            await RoundTripAsync(forward);
            var log = dir.File("strace.log");
            var strace = await AttachStraceAsync(forward.Pid, "accept4,connect,getsockopt,recvfrom,sendto,splice,shutdown,close", log);
            await using (strace)
            {
                for (var i = 0; i < Connections; i++) await RoundTripAsync(forward);
                // The last session's close is logged after its sockets are closed.
                await forward.Process.WaitForStderrAsync($@"#{Connections + 1} closed", 30);
                // SIGINT: strace detaches and writes out what it saw.
                await ExternalTool.RunAsync("kill", "-INT", strace.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await strace.WaitForExitAsync(20);
            }
            var calls = Parse(File.ReadAllLines(log));
            Assert.True(calls.Count(c => c.Call == "accept4" && c.Result >= 0) >= Connections, "strace saw every accept: " + string.Join(" | ", calls.Take(20)));
            Assert.True(calls.Count(c => c.Call == "connect") >= Connections, "strace saw every connect to the target");
            // The sockets of these connections: what accept4 returned and what connect was called on.
            var sockets = new HashSet<int>();
            var mine = new List<Traced>();
            foreach (var c in calls)
            {
                if (c.Call == "accept4" && c.Result >= 0) sockets.Add(c.Result);
                if (c.Call == "connect") sockets.Add(c.Fd);
                // The relay's calls are its alone in this process (by descriptor they could miss a socket whose number an
                // accept4 returned while strace still printed its close).
                if (sockets.Contains(c.Fd) || c.Call is "accept4" or "splice" or "recvfrom" or "sendto") mine.Add(c);
                if (c.Call == "close") sockets.Remove(c.Fd);
            }
            var names = mine.Select(c => c.Tid).Distinct().ToDictionary(t => t, t => ThreadName(forward.Pid, t));
            bool OnReactor(Traced c) => names[c.Tid].StartsWith("sock epoll", StringComparison.Ordinal);
            // The closes come after the relay's end, which is handed to the thread pool in one rare race (.NET queues a
            // continuation whose task completed while it was being hooked on; seen under the JIT, when tiering stalls a
            // thread there): nearly all of them on the epoll threads, every other call on them without exception.
            var closes = mine.Where(c => c.Call == "close").ToList();
            Assert.True(closes.Count(OnReactor) >= closes.Count * 9 / 10,
                $"{closes.Count(c => !OnReactor(c))} of {closes.Count} closes ran off the epoll threads");
            var offReactor = mine.Where(c => c.Call != "close" && !OnReactor(c)).ToList();
            Assert.True(offReactor.Count == 0,
                $"{offReactor.Count} socket calls of forwarded connections ran off the epoll threads, e.g. "
                + string.Join(" | ", offReactor.Take(8).Select(c => $"{c.Line} [{names[c.Tid]}]")));
            // 1 KiB each way is copied (recv, send), not spliced: small exchanges take no pipe.
            Assert.True(mine.Count(c => c.Call == "recvfrom" && c.Result > 0) >= Connections * 2, "strace saw the relay's reads");
            Assert.Contains(mine, c => c.Call == "close");
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_ping_pong_is_copied_with_one_recv_and_one_send_a_hop_and_no_read_that_finds_nothing(string transport)
    {
        // A small message through the relay costs recv + send (two calls a hop, as haproxy's), not splice in + splice out +
        // the splice that proves the socket empty: a read shorter than asked took all the socket held, and edge-triggered
        // epoll reports the next bytes as a new edge.
        if (!OperatingSystem.IsLinux() || !ExternalTool.Exists("strace")) return;
        const int Messages = 50, Size = 32;
        using var dir = new TempDirectory("sock-fwd-pingpong-");
        await using var echo = EchoTarget.Start(transport);
        var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-v"]);
        await using (forward)
        {
            await RoundTripAsync(forward);
            var log = dir.File("strace.log");
            var strace = await AttachStraceAsync(forward.Pid, "recvfrom,sendto,splice", log);
            await using (strace)
            {
                using (var client = await forward.ConnectAsync())
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    var message = new byte[Size];
                    var answer = new byte[Size];
                    for (var i = 0; i < Messages; i++)
                    {
                        Random.Shared.NextBytes(message);
                        await client.SendAsync(message, timeout.Token);
                        for (var got = 0; got < Size;)
                        {
                            var n = await client.ReceiveAsync(answer.AsMemory(got), timeout.Token);
                            Assert.True(n > 0, $"the echo of message {i} ended after {got} bytes");
                            got += n;
                        }
                        Assert.Equal(message, answer);
                    }
                    client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                    Assert.Empty(await Net.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
                }
                await forward.Process.WaitForStderrAsync($@"^#2 closed .*: {Messages * Size} bytes to target, {Messages * Size} bytes to client, ", 30);
                await ExternalTool.RunAsync("kill", "-INT", strace.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await strace.WaitForExitAsync(20);
            }
            var calls = Parse(File.ReadAllLines(log));
            Assert.DoesNotContain(calls, c => c.Call == "splice");
            // Each message read once on its way to the target and once on its way back.
            Assert.True(calls.Count(c => c.Call == "recvfrom" && c.Result == Size) >= Messages * 2,
                $"strace saw {calls.Count(c => c.Call == "recvfrom" && c.Result == Size)} reads of a whole message, not {Messages * 2}");
            // Reads that found nothing (EAGAIN): the first look at each socket, and the odd edge whose bytes an earlier read
            // took — not one after every message.
            var empty = calls.Count(c => c.Call == "recvfrom" && c.Result == -1 && c.Line.Contains("EAGAIN", StringComparison.Ordinal));
            Assert.True(empty <= Messages / 10 + 4, $"{empty} reads found the socket empty for {Messages} messages: " + string.Join(" | ", calls.Take(12).Select(c => c.Line)));
        }
    }

    private static async Task RoundTripAsync(ForwardProcess forward)
    {
        using var client = await forward.ConnectAsync();
        var request = new byte[1024];
        Random.Shared.NextBytes(request);
        await client.SendAsync(request);
        client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal(request, await Net.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
    }

    /// <summary>
    /// strace attached to every thread of <paramref name="pid"/>, logging <paramref name="calls"/> (strace's -e trace=
    /// list) to <paramref name="log"/>; returned once attached, so what the test does next is traced.
    /// </summary>
    internal static async Task<RunningProcess> AttachStraceAsync(int pid, string calls, string log)
    {
        var strace = RunningProcess.Tool("strace", false, "-f", "-qq", "-e", $"trace={calls}", "-o", log,
            "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await WaitTracedAsync(pid);
            return strace;
        }
        catch
        {
            await strace.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until strace is attached to every thread of <paramref name="pid"/> (bounded: 20 s).</summary>
    private static async Task WaitTracedAsync(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var tasks = Directory.GetDirectories($"/proc/{pid}/task");
            if (tasks.Length > 0 && tasks.All(t => TracerOf(t) != 0)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("strace did not attach to the forwarder within 20 s");
            await Task.Delay(50);
        }
    }

    private static int TracerOf(string task)
    {
        try
        {
            var line = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["TracerPid:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 1; // the thread has gone: nothing to wait for
        }
    }

    internal static string ThreadName(int pid, int tid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{tid}/comm").Trim();
        }
        catch (IOException)
        {
            return "(a thread that has exited)";
        }
    }

    internal sealed record Traced(int Tid, string Call, int Fd, int Result, string Line);

    // "1234  accept4(9, {...}, [16], SOCK_CLOEXEC) = 13", and strace's halves of one call interrupted by another thread's:
    // "1234  splice(13, NULL, 34, NULL, 262144, SPLICE_F_MOVE|SPLICE_F_NONBLOCK <unfinished ...>" / "1234  <... splice resumed>) = 1024".
    private static readonly Regex Whole = new(@"^(\d+)\s+(\w+)\((\d+)\b.*\s=\s+(-?\d+)", RegexOptions.Compiled);
    private static readonly Regex Started = new(@"^(\d+)\s+(\w+)\((\d+)\b.*<unfinished \.\.\.>$", RegexOptions.Compiled);

    private static readonly Regex Resumed = new(@"^(\d+)\s+<\.\.\. (\w+) resumed>.*\s=\s+(-?\d+)", RegexOptions.Compiled);

    internal static List<Traced> Parse(IEnumerable<string> lines)
    {
        var list = new List<Traced>();
        var pending = new Dictionary<int, int>(); // thread → its call started and not yet resumed
        foreach (var line in lines)
        {
            var m = Whole.Match(line);
            if (m.Success)
            {
                list.Add(new Traced(int.Parse(m.Groups[1].Value), m.Groups[2].Value, int.Parse(m.Groups[3].Value), int.Parse(m.Groups[4].Value), line));
                continue;
            }
            m = Started.Match(line);
            if (m.Success)
            {
                var tid = int.Parse(m.Groups[1].Value);
                pending[tid] = list.Count;
                list.Add(new Traced(tid, m.Groups[2].Value, int.Parse(m.Groups[3].Value), int.MinValue, line));
                continue;
            }
            m = Resumed.Match(line);
            if (m.Success && pending.Remove(int.Parse(m.Groups[1].Value), out var at) && list[at].Call == m.Groups[2].Value)
                list[at] = list[at] with { Result = int.Parse(m.Groups[3].Value) };
        }
        return list;
    }
}
