using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// sock serve answers each UDP service on a thread of its own in blocking calls (ServerOptions.DatagramThreads), as
/// inetd's loop answers its internal services: a datagram's recvmsg, the reply and its sendmsg on that thread, with no
/// hand-off to .NET's socket engine or the thread pool. The client is a plain UDP socket of this process.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ServeUdpThreadTests
{
    private const int Requests = 20;

    [Theory]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task each_datagram_is_received_and_answered_on_the_sockets_own_thread(string transport)
    {
        if (!ExternalTool.Exists("strace")) return;
        var v6 = transport == Transports.Udp6;
        await using var serve = await ServeProcess.StartAsync($"serve echo --port 0 --udp --bind {(v6 ? "::1" : "127.0.0.1")}", 1);
        var server = new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, serve.Port("echo", "udp"));
        await DatagramThreadCheck.AssertAnsweredOnOwnThreadAsync(serve.Pid, "sock echo udp", Requests, async () =>
        {
            using var client = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await client.ConnectAsync(server);
            await client.SendAsync("ping"u8.ToArray());
            var buffer = new byte[16];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            var reply = System.Text.Encoding.ASCII.GetString(buffer, 0, n);
            return reply == "ping" ? (0, reply, "") : (1, reply, $"the echo was '{reply}', not 'ping'");
        });
    }
}
