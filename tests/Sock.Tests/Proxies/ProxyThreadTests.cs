using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Tests.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// Where `sock proxy` serves the common SOCKS5 session (no authentication, CONNECT to an address): on the epoll threads,
/// start to end — the accept, the greeting's and the request's reads, their answers, the destination's connect, the
/// splices and the FINs — never on .NET's thread pool, whose hand-offs (the greeting's and the request's read completions)
/// were most of a session's CPU beside microsocks' (docs/notes/issue-21-reactor.md). strace watches the running proxy and
/// names the thread of every socket call a session makes ("sock epoll N" or ".NET TP Worker").
/// </summary>
public sealed class ProxyThreadTests
{
    private const int Sessions = 20;

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task a_socks5_session_is_served_on_the_epoll_threads_not_the_thread_pool(string transport)
    {
        if (!OperatingSystem.IsLinux() || !ExternalTool.Exists("strace")) return;
        using var dir = new TempDirectory("sock-proxy-threads-");
        await using var echo = EchoTarget.Start(transport);
        var loopback = transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";
        var (proxy, address) = await ProxyCommandTests.StartAsync($"{loopback}:0", "-v");
        await using (proxy)
        {
            // The first session makes the relay's threads; the traced ones find them there.
            await SessionAsync(address, (IPEndPoint)echo.EndPoint);
            var log = dir.File("strace.log");
            var strace = await ForwardThreadTests.AttachStraceAsync(proxy.Process.Id, "accept4,connect,recvfrom,recvmsg,sendto,sendmsg,getsockopt,splice,shutdown,close", log);
            await using (strace)
            {
                for (var i = 0; i < Sessions; i++) await SessionAsync(address, (IPEndPoint)echo.EndPoint);
                // Every session's line (logged before its client's socket is closed), then a moment for the last closes.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (proxy.StderrLines.Count(l => l.EndsWith(": closed", StringComparison.Ordinal)) < Sessions + 1 && DateTime.UtcNow < deadline)
                    await Task.Delay(50);
                await Task.Delay(500);
                await ExternalTool.RunAsync("kill", "-INT", strace.Process.Id.ToString(CultureInfo.InvariantCulture));
                await strace.WaitForExitAsync(20);
            }
            var calls = ForwardThreadTests.Parse(File.ReadAllLines(log));
            Assert.True(calls.Count(c => c.Call == "accept4" && c.Result >= 0) >= Sessions, "strace saw every accept: " + string.Join(" | ", calls.Take(20)));
            // The sockets of these sessions: what accept4 returned (the clients) and what connect was called on (the destinations).
            var sockets = new HashSet<int>();
            var mine = new List<ForwardThreadTests.Traced>();
            foreach (var c in calls)
            {
                if (c.Call == "accept4" && c.Result >= 0) sockets.Add(c.Result);
                if (c.Call == "connect") sockets.Add(c.Fd);
                // recvfrom/sendto are the sessions' alone in this process: taken whatever the descriptor (see ForwardThreadTests).
                if (sockets.Contains(c.Fd) || c.Call is "accept4" or "splice" or "recvfrom" or "sendto") mine.Add(c);
                if (c.Call == "close") sockets.Remove(c.Fd);
            }
            var names = mine.Select(c => c.Tid).Distinct().ToDictionary(t => t, t => ForwardThreadTests.ThreadName(proxy.Process.Id, t));
            bool OnReactor(ForwardThreadTests.Traced c) => names[c.Tid].StartsWith("sock epoll", StringComparison.Ordinal);
            // The handshake is read and answered on the epoll threads: every read and send of a client's socket.
            var handshake = mine.Where(c => c.Call is "recvfrom" or "recvmsg" or "sendto" or "sendmsg").ToList();
            Assert.True(handshake.Count >= Sessions * 3, $"strace saw the handshakes' reads and answers ({handshake.Count} calls)");
            // The closes come after the relay's end, which one rare race hands to the thread pool (see ForwardThreadTests).
            var closes = mine.Where(c => c.Call == "close").ToList();
            Assert.True(closes.Count(OnReactor) >= closes.Count * 9 / 10,
                $"{closes.Count(c => !OnReactor(c))} of {closes.Count} closes ran off the epoll threads");
            var offReactor = mine.Where(c => c.Call != "close" && !OnReactor(c)).ToList();
            Assert.True(offReactor.Count == 0,
                $"{offReactor.Count} socket calls of proxied sessions ran off the epoll threads, e.g. "
                + string.Join(" | ", offReactor.Take(8).Select(c => $"{c.Line} [{names[c.Tid]}]")));
            // The relay moved the 1 KiB each way: copied (recv, send) on the epoll threads, as small exchanges are.
            // (A handshake's reads are a few bytes; the relay's read the 1 KiB each way.)
            Assert.True(mine.Count(c => c.Call == "recvfrom" && c.Result >= 512) >= Sessions * 2, "strace saw the relay's reads of the 1 KiB each way");
        }
    }

    /// <summary>A SOCKS5 CONNECT to the echo target, 1 KiB each way, the client's FIN, the echo's end.</summary>
    private static async Task SessionAsync(IPEndPoint proxy, IPEndPoint target)
    {
        using var client = await Socks5Bytes.ConnectAsync(proxy);
        await using var stream = new NetworkStream(client);
        Assert.Equal(0, await Socks5Bytes.GreetAsync(stream));
        var (code, _) = await Socks5Bytes.RequestAsync(stream, 1, target.Address.ToString(), target.Port);
        Assert.Equal(0, code);
        var request = new byte[1024];
        Random.Shared.NextBytes(request);
        await client.SendAsync(request);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(request, await Net.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
    }
}
