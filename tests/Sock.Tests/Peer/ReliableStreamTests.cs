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
        using var path = await MiddlePath.OpenAsync(ip);
        var (middle, a, b, aEnd, bEnd) = (path.Middle, path.A, path.B, path.AEnd, path.BEnd);
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

    /// <summary>
    /// One way, through a forwarder that passes DATA on in bursts of 16 back to back (as a receiver that was not scheduled
    /// for a while finds them queued) and counts the datagrams each way: a DATA datagram carries as much as the path
    /// takes unfragmented (1500-byte MTU: 1472 bytes of UDP payload over IPv4, 1452 over IPv6), and the receiver answers
    /// a batch with one ACK rather than one per packet.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task data_fills_the_path_MTU_and_a_batch_gets_one_ack(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var path = await MiddlePath.OpenAsync(ip);
        var (middle, a, b, aEnd, bEnd) = (path.Middle, path.A, path.B, path.AEnd, path.BEnd);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        long data = 0, acks = 0, largest = 0;
        var forwarder = Task.Run(async () =>
        {
            var held = new List<byte[]>();
            var buffer = new byte[65536];
            var any = new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
            try
            {
                while (true)
                {
                    // A partial burst (the window's tail, the FIN) goes on after 5 ms of quiet.
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    if (held.Count > 0) quiet.CancelAfter(5);
                    SocketReceiveFromResult r;
                    try { r = await middle.ReceiveFromAsync(buffer, any, quiet.Token); }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        foreach (var d in held) middle.SendTo(d, bEnd);
                        held.Clear();
                        continue;
                    }
                    var datagram = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                    if (((IPEndPoint)r.RemoteEndPoint).Port == aEnd.Port)
                    {
                        if (datagram[0] == 0xC3) { data++; largest = Math.Max(largest, datagram.Length); }
                        held.Add(datagram);
                        if (held.Count < 16) continue;
                        foreach (var d in held) middle.SendTo(d, bEnd);
                        held.Clear();
                    }
                    else
                    {
                        if (datagram[0] == 0xC4) acks++;
                        middle.SendTo(datagram, aEnd);
                    }
                }
            }
            catch (OperationCanceledException) { }
        });
        var fromA = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var outB = new MemoryStream();
        var options = new ReliableStreamOptions { DeadAfter = TimeSpan.FromSeconds(30) };
        var sa = new ReliableStream(a, options, 1);
        var sb = new ReliableStream(b, options, 1);
        var results = await Task.WhenAll(sa.RunAsync(new MemoryStream(fromA), null, stop.Token), sb.RunAsync(null, outB, stop.Token));
        await stop.CancelAsync();
        await forwarder;
        Assert.True(fromA.AsSpan().SequenceEqual(outB.ToArray()), $"B received {outB.Length} of {fromA.Length}");
        Assert.All(results, r => Assert.Equal(Sock.Core.Netcat.RelayEnd.PeerClosed, r.End));
        Assert.Equal(ip.AddressFamily == AddressFamily.InterNetwork ? 1472 : 1452, largest);
        // One ACK per burst would be 1/16; a receiver woken mid-burst acknowledges more often, but not every packet.
        Assert.True(acks * 2 < data, $"{acks} ACKs for {data} DATA datagrams");
    }

    /// <summary>Two peers' sockets, each connected to a third in the middle that the test runs as the path between them.</summary>
    private sealed class MiddlePath : IDisposable
    {
        private MiddlePath(Socket middle, TracedSocket a, TracedSocket b) => (Middle, A, B) = (middle, a, b);

        public Socket Middle { get; }
        public TracedSocket A { get; }
        public TracedSocket B { get; }
        public IPEndPoint AEnd => (IPEndPoint)A.Socket.LocalEndPoint!;
        public IPEndPoint BEnd => (IPEndPoint)B.Socket.LocalEndPoint!;

        public static async Task<MiddlePath> OpenAsync(IPAddress ip)
        {
            var middle = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            middle.Bind(new IPEndPoint(ip, 0));
            // The forwarder is one task on a busy machine: its buffer must not add losses of its own to the path's.
            middle.ReceiveBufferSize = 4 * 1024 * 1024;
            var path = new MiddlePath(middle, TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null),
                TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null));
            path.A.Bind(new IPEndPoint(ip, 0));
            path.B.Bind(new IPEndPoint(ip, 0));
            await path.A.ConnectAsync(middle.LocalEndPoint!);
            await path.B.ConnectAsync(middle.LocalEndPoint!);
            return path;
        }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
            Middle.Dispose();
        }
    }
}
