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
        long dropped = 0, droppedData = 0, forwarded = 0;
        var forwarder = Task.Run(async () =>
        {
            var random = new Random(5);
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var r = await middle.ReceiveFromAsync(buffer, new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), stop.Token);
                    if (random.NextDouble() < 0.05)
                    {
                        dropped++;
                        if (buffer[0] == 0xC3) droppedData++;
                        continue;
                    }
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
        // Every DATA datagram lost was sent again at least once; a lost ACK needs nothing (the next one's bitmaps say it all).
        Assert.True(sa.Retransmissions + sb.Retransmissions >= droppedData, $"{sa.Retransmissions}+{sb.Retransmissions} retransmissions for {droppedData} DATA datagrams dropped");
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

    /// <summary>
    /// Across a 60 ms round trip (30 ms each way, the forwarder's delay), packet 10 of a one-window transfer is lost
    /// twice, so it is repaired by the retransmission timer, 1 s at least here. The ACKs' bitmap reports the 64 packets
    /// after the gap as they arrive; the 40 or so past those wait at the receiver, unreported, and are acknowledged
    /// together when the repair arrives, a second or more after they were sent: that time is the repair's, not the
    /// path's, and must not become the round-trip estimate (the 5 %-loss test's sender had its estimate at 13 s this
    /// way and its timeout at the 4 s ceiling, and failed when its peer, done lingering, missed the last
    /// retransmission). The smoothed RTT stays near the path's 60 ms.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task packets_held_behind_a_repaired_gap_give_no_round_trip_sample(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var copies = 0;
        await using var path = new DelayingForwarder(ip, TimeSpan.FromMilliseconds(30))
        {
            Inspect = (d, toB, _) => toB && d[0] == 0xC3 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(2)) == 10 && ++copies <= 2,
        };
        // About 116 packets: one window, so every packet past the gap is held for the repair and none sent later (with a
        // true sample) dilutes the estimate.
        var sa = await CrossOneWayAsync(ip, path, 120 * 1400,
            new ReliableStreamOptions { Window = 128, InitialRto = TimeSpan.FromSeconds(1), MinRto = TimeSpan.FromSeconds(1), DeadAfter = TimeSpan.FromSeconds(30) });
        Assert.True(copies >= 3, $"packet 10 arrived at the forwarder {copies} times");
        Assert.NotNull(sa.SmoothedRtt);
        // The path's 60 ms and a busy machine's scheduling, against the repair's 1 s or more.
        Assert.True(sa.SmoothedRtt < TimeSpan.FromMilliseconds(500), $"smoothed RTT {sa.SmoothedRtt!.Value.TotalMilliseconds:0} ms on a 60 ms path");
    }

    /// <summary>
    /// Across a 60 ms round trip the default window is what the socket's receive buffer holds, not a fixed 128 packets
    /// (185 KiB, 3 MB/s at this RTT): more than 128 DATA packets are in flight at once — sent past the last
    /// acknowledged one — and the stream still arrives whole. (Before 2026-12-07 the window was 128 whatever the path.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task the_window_holds_what_the_receive_buffer_does_past_128_packets(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        long highest = -1, acked = 0, most = 0;
        await using var path = new DelayingForwarder(ip, TimeSpan.FromMilliseconds(30))
        {
            Inspect = (d, toB, _) =>
            {
                var n = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(2));
                if (toB && d[0] == 0xC3) highest = Math.Max(highest, n);
                else if (!toB && d[0] == 0xC4) acked = Math.Max(acked, n);
                most = Math.Max(most, highest + 1 - acked);
                return false;
            },
        };
        var sa = await CrossOneWayAsync(ip, path, 4 * 1024 * 1024, new ReliableStreamOptions { DeadAfter = TimeSpan.FromSeconds(30) });
        Assert.True(most > 128, $"at most {most} packets in flight (window {sa.SendWindow})");
        Assert.True(most <= sa.SendWindow, $"{most} packets in flight past a window of {sa.SendWindow}");
    }

    /// <summary>
    /// Across a 60 ms round trip (30 ms each way, the forwarder's delay), packet 0 — the first of a window sent in one
    /// burst — is lost once. Nothing is then acknowledged in order, so no room opens in the window and nothing more is
    /// sent: the only ACKs are those that show the gap, and they all arrive within a few ms, about one RTT after the
    /// lost packet left. It must be sent again on those ACKs (three later packets overtook it), not when its timer runs
    /// out — the timeout here is at least 3 s. (Before 2026-12-07 a first retransmission also waited 1.25 RTT since the
    /// packet left, which a burst's ACKs never reach, so the loss cost a full timeout.)
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task a_packet_lost_from_a_burst_is_sent_again_on_the_acks_that_show_the_gap_not_on_its_timer(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        TimeSpan? droppedAt = null, resentAt = null;
        await using var path = new DelayingForwarder(ip, TimeSpan.FromMilliseconds(30))
        {
            Inspect = (d, toB, at) =>
            {
                if (!toB || d[0] != 0xC3 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(2)) != 0) return false;
                if (droppedAt is null) { droppedAt = at; return true; }
                resentAt ??= at;
                return false;
            },
        };
        await CrossOneWayAsync(ip, path, 512 * 1024,
            new ReliableStreamOptions { Window = 128, InitialRto = TimeSpan.FromSeconds(3), MinRto = TimeSpan.FromSeconds(3), DeadAfter = TimeSpan.FromSeconds(30) });
        Assert.NotNull(droppedAt);
        Assert.NotNull(resentAt);
        // One RTT (60 ms) and a busy machine's scheduling against a timer of 3 s or more.
        Assert.True(resentAt - droppedAt < TimeSpan.FromSeconds(1.5), $"packet 0 sent again {(resentAt - droppedAt)!.Value.TotalMilliseconds:0} ms after it was lost");
    }

    /// <summary>
    /// Across a 60 ms round trip (30 ms each way, the forwarder's delay), one burst of about 240 packets: packet 0 is lost
    /// twice, so its repair waits for the retransmission timer (3 s at least here), and packet 100 — past the 64 packets
    /// the first bitmap of an ACK reaches from the gap at 0 — is lost once. Its hole must be seen in the ACKs that
    /// packets 101 on bring back and be sent again on them, about one round trip after it was lost, while packet 0
    /// still waits. (Before 2026-12-07 an ACK reported 64 packets past the gap only, so the hole at 100 was seen when
    /// packet 0's repair moved the gap — the timer's, 3 s on — and holes past 64 were repaired one gap at a time.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task a_hole_past_the_first_64_packets_is_repaired_while_the_gap_before_it_waits(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var copiesOf0 = 0;
        TimeSpan? droppedAt = null, resentAt = null;
        await using var path = new DelayingForwarder(ip, TimeSpan.FromMilliseconds(30))
        {
            Inspect = (d, toB, at) =>
            {
                if (!toB || d[0] != 0xC3) return false;
                var seq = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(2));
                if (seq == 0) return ++copiesOf0 <= 2;
                if (seq != 100) return false;
                if (droppedAt is null) { droppedAt = at; return true; }
                resentAt ??= at;
                return false;
            },
        };
        // About 240 packets of 1,446–1,466 bytes, inside one window of 256: one burst, nothing sent after it.
        var sa = await CrossOneWayAsync(ip, path, 240 * 1400,
            new ReliableStreamOptions { Window = 256, InitialRto = TimeSpan.FromSeconds(3), MinRto = TimeSpan.FromSeconds(3), DeadAfter = TimeSpan.FromSeconds(30) });
        Assert.True(sa.SendWindow >= 256, $"a window of {sa.SendWindow}: the burst did not go out at once");
        Assert.True(copiesOf0 >= 3, $"packet 0 arrived at the forwarder {copiesOf0} times");
        Assert.NotNull(droppedAt);
        Assert.NotNull(resentAt);
        // One RTT (60 ms) and a busy machine's scheduling against a timer of 3 s or more.
        Assert.True(resentAt - droppedAt < TimeSpan.FromSeconds(1.5), $"packet 100 sent again {(resentAt - droppedAt)!.Value.TotalMilliseconds:0} ms after it was lost");
    }

    /// <summary>
    /// The end of a stream whose last acknowledgements are lost. A sends 7 DATA packets and its FIN (packet 7); B sends
    /// only its FIN. Every ACK of B's that covers A's last data packet is lost for 500 ms, so A is left with two packets
    /// unacknowledged and a timer of 4 s, while B — everything delivered, its FIN acknowledged — lingers for a quiet
    /// spell of 3 s and leaves. B must say its last ACK again while it lingers, and A end as B did, not wait for
    /// retransmissions nobody answers. (Before 2026-12-07 the lingering side only answered what arrived, and a peer
    /// whose timer had backed off past the spell was left until its dead-peer limit.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task the_lingering_side_says_its_last_ack_again_for_a_peer_whose_timer_is_longer_than_the_linger(string transport)
    {
        var ip = transport == Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        TimeSpan? firstFinal = null;
        var lost = 0;
        await using var path = new DelayingForwarder(ip, TimeSpan.FromMilliseconds(5))
        {
            Inspect = (d, toB, at) =>
            {
                if (toB || d[0] != 0xC4 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(2)) < 7) return false;
                firstFinal ??= at;
                if (at - firstFinal > TimeSpan.FromMilliseconds(500)) return false;
                lost++;
                return true;
            },
        };
        // 7 packets of 1,446–1,466 bytes (0 to 6), the FIN 7.
        await CrossOneWayAsync(ip, path, 10_000,
            new ReliableStreamOptions { InitialRto = TimeSpan.FromSeconds(4), MinRto = TimeSpan.FromSeconds(4), DeadAfter = TimeSpan.FromSeconds(10) });
        Assert.True(lost >= 1, "no ACK of A's last packets was lost");
    }

    /// <summary>Two stream sockets connected to <paramref name="path"/>, which is started between them.</summary>
    /// <summary>
    /// A sends <paramref name="bytes"/> random bytes to B over <paramref name="path"/>, B sending nothing: B must hold exactly
    /// A's bytes and both ends see the other close. Returns A's stream, for what it measured on the way.
    /// </summary>
    private static async Task<ReliableStream> CrossOneWayAsync(IPAddress ip, DelayingForwarder path, int bytes, ReliableStreamOptions options)
    {
        var (a, b) = Pair(ip, path);
        using (a)
        using (b)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var fromA = RandomNumberGenerator.GetBytes(bytes);
            var outB = new MemoryStream();
            var sa = new ReliableStream(a, options, 1);
            var results = await Task.WhenAll(sa.RunAsync(new MemoryStream(fromA), null, stop.Token), new ReliableStream(b, options, 1).RunAsync(null, outB, stop.Token));
            Assert.True(fromA.AsSpan().SequenceEqual(outB.ToArray()), $"B received {outB.Length} of {fromA.Length}");
            Assert.All(results, r => Assert.Equal(Sock.Core.Netcat.RelayEnd.PeerClosed, r.End));
            return sa;
        }
    }

    private static (TracedSocket A, TracedSocket B) Pair(IPAddress ip, DelayingForwarder path)
    {
        var a = TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
        var b = TracedSocket.Create(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp, null);
        a.Bind(new IPEndPoint(ip, 0));
        b.Bind(new IPEndPoint(ip, 0));
        a.Socket.Connect(path.LocalEndPoint);
        b.Socket.Connect(path.LocalEndPoint);
        path.Start((IPEndPoint)a.Socket.LocalEndPoint!, (IPEndPoint)b.Socket.LocalEndPoint!);
        return (a, b);
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
