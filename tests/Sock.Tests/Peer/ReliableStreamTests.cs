using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Core.Peer;
using Sock.Core.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

public class ReliableStreamTests
{
    /// <summary>
    /// Two streams on real UDP sockets, each connected to a forwarder between them that drops a share of the datagrams
    /// each way (and reorders nothing else): a file must arrive whole in both directions.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task files_cross_intact_both_ways_through_a_path_that_drops_5_percent(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var middle = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        middle.Bind(new IPEndPoint(ip, 0));
        // The forwarder is one task on a busy machine: its buffer must not add losses of its own to the 5 % it makes.
        middle.ReceiveBufferSize = 4 * 1024 * 1024;
        using var a = TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
        using var b = TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
        a.Bind(new IPEndPoint(ip, 0));
        b.Bind(new IPEndPoint(ip, 0));
        await a.ConnectAsync(middle.LocalEndPoint!);
        await b.ConnectAsync(middle.LocalEndPoint!);
        var aEnd = (IPEndPoint)a.Socket.LocalEndPoint!;
        var bEnd = (IPEndPoint)b.Socket.LocalEndPoint!;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        long dropped = 0, forwarded = 0;
        var forwarder = Task.Run(async () =>
        {
            var random = new Random(5);
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var r = await middle.ReceiveFromAsync(buffer, new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), stop.Token);
                    if (random.NextDouble() < 0.05) { dropped++; continue; }
                    forwarded++;
                    var to = ((IPEndPoint)r.RemoteEndPoint).Port == aEnd.Port ? bEnd : aEnd;
                    await middle.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), to, stop.Token);
                }
            }
            catch (OperationCanceledException) { }
        });
        var fromA = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var fromB = RandomNumberGenerator.GetBytes(1024 * 1024);
        var outA = new MemoryStream();
        var outB = new MemoryStream();
        var options = new ReliableStreamOptions { DeadAfter = TimeSpan.FromSeconds(30) };
        var sa = new ReliableStream(a, options, 1);
        var sb = new ReliableStream(b, options, 1);
        var ra = sa.RunAsync(new MemoryStream(fromA), outA, stop.Token);
        var rb = sb.RunAsync(new MemoryStream(fromB), outB, stop.Token);
        var results = await Task.WhenAll(ra, rb);
        await stop.CancelAsync();
        await forwarder;
        Assert.True(fromB.AsSpan().SequenceEqual(outA.ToArray()), $"A received {outA.Length} of {fromB.Length}");
        Assert.True(fromA.AsSpan().SequenceEqual(outB.ToArray()), $"B received {outB.Length} of {fromA.Length}");
        Assert.All(results, r => Assert.Equal(Sock.Core.Netcat.RelayEnd.PeerClosed, r.End));
        Assert.True(dropped > 100, $"only {dropped} datagrams dropped of {forwarded}: the path was not lossy");
        Assert.True(sa.Retransmissions + sb.Retransmissions >= dropped / 2, $"{sa.Retransmissions}+{sb.Retransmissions} retransmissions for {dropped} drops");
    }
}
