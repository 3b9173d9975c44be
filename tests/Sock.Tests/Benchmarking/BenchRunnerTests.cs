using System.Net;
using Sock.Core.Benchmarking;
using Sock.Core.Errors;
using Sock.Tests.Support;

namespace Sock.Tests.Benchmarking;

/// <summary>The library's modes against servers written here, whose behaviour is known exactly, over every transport.</summary>
public sealed class BenchRunnerTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(10);

    private static BenchOptions Options(BenchMode mode, EndPoint target) => new()
    {
        Mode = mode,
        Target = target,
        Duration = Cap, // every run is bounded in time as well as in count
        Interval = TimeSpan.FromMilliseconds(250),
    };

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task echo_counts_every_message_and_every_byte(string transport)
    {
        await using var peer = BenchPeer.Echo(transport);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Echo, peer.EndPoint) with { Count = 2000, Connections = 2, Size = 100 });
        Assert.Equal(2000, report.Totals.Messages);
        Assert.Equal(2000 * 100, report.Totals.BytesSent);
        Assert.Equal(2000 * 100, report.Totals.BytesReceived);
        Assert.Equal(report.Totals.BytesSent, peer.BytesReceived);
        Assert.Equal(0, report.Totals.Mismatches);
        Assert.Equal(0, report.Totals.Errors);
        Assert.Equal(2000, report.Latency!.Count);
        Assert.Equal(2000, report.Intervals.Sum(i => i.Messages));
    }

    [Theory]
    [InlineData(BenchMode.Echo)]
    [InlineData(BenchMode.Pipeline)]
    public async Task warmup_messages_are_not_counted(BenchMode mode)
    {
        await using var peer = BenchPeer.Echo(Transports.Tcp4);
        var report = await BenchRunner.RunAsync(Options(mode, peer.EndPoint) with { Count = 300, Warmup = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(300, report.Totals.Messages);
        Assert.Equal(300 * 64, report.Totals.BytesReceived);
        Assert.Equal(300, report.Latency!.Count);
        // The peer saw the warm-up's messages as well as the measured ones.
        Assert.True(peer.BytesReceived > 300 * 64, $"peer got {peer.BytesReceived} bytes");
        Assert.Equal(0.3, report.Setup.WarmupSeconds);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task pipeline_counts_whole_checked_messages(string transport)
    {
        await using var peer = BenchPeer.Echo(transport);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Pipeline, peer.EndPoint) with { Count = 50_000, Size = 48, InFlight = 32 });
        Assert.Equal(50_000, report.Totals.Messages);
        Assert.Equal(50_000L * 48, report.Totals.BytesReceived);
        Assert.Equal(report.Totals.BytesSent, peer.BytesReceived);
        Assert.Equal(0, report.Totals.Mismatches);
        Assert.Equal(32, report.Setup.InFlight);
    }

    [Theory]
    [InlineData(20, 32, 16)]     // more connections than one thread drives: asynchronous loops
    [InlineData(2, 2048, 64)]    // 128 KiB in flight per connection: separate sender and receiver
    public async Task pipeline_counts_every_message_on_each_loop_shape(int connections, int size, int inFlight)
    {
        await using var peer = BenchPeer.Echo(Transports.Tcp4);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Pipeline, peer.EndPoint) with { Count = 20_000, Size = size, InFlight = inFlight, Connections = connections });
        Assert.Equal(20_000, report.Totals.Messages);
        Assert.Equal(20_000L * size, report.Totals.BytesReceived);
        Assert.Equal(report.Totals.BytesSent, peer.BytesReceived);
        Assert.Equal(0, report.Totals.Mismatches);
        Assert.Equal(0, report.Totals.Errors);
    }

    [Theory]
    [InlineData(BenchMode.Echo, 64, 30)]
    [InlineData(BenchMode.Pipeline, 64, 30)]
    [InlineData(BenchMode.Pipeline, 64, 2)] // in the sequence number
    [InlineData(BenchMode.Pipeline, 64, 63)] // the last byte
    [InlineData(BenchMode.Pipeline, 5, 3)] // a message shorter than a sequence number
    [InlineData(BenchMode.Pipeline, 1000, 900)]
    public async Task a_corrupted_echo_is_caught(BenchMode mode, int size, int byteInMessage)
    {
        // Message 100 comes back with one byte flipped.
        await using var peer = BenchPeer.Echo(Transports.Tcp4, corruptAt: 100L * size + byteInMessage);
        var report = await BenchRunner.RunAsync(Options(mode, peer.EndPoint) with { Count = 1000, Size = size });
        Assert.Equal(1, report.Totals.Mismatches);
        Assert.Equal(100, report.Totals.Messages);
        Assert.Contains("message 100", report.Totals.FirstError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_fixed_count_run_reports_its_progress_and_a_timed_run_does_not()
    {
        // 100 replies 5 ms apart take half a second at least: progress is reported more than once.
        await using var peer = BenchPeer.Echo(Transports.Tcp4, delay: TimeSpan.FromMilliseconds(5));
        var counted = new ProgressLog();
        await BenchRunner.RunAsync(Options(BenchMode.Echo, peer.EndPoint) with { Count = 100 }, counted);
        Assert.True(counted.Values.Count >= 2, $"{counted.Values.Count} progress reports");
        Assert.All(counted.Values, v => Assert.InRange(v, 0, 1));
        Assert.Equal(counted.Values.Order(), counted.Values);
        Assert.True(counted.Values[^1] > counted.Values[0], string.Join(", ", counted.Values));

        var timed = new ProgressLog();
        await BenchRunner.RunAsync(Options(BenchMode.Echo, peer.EndPoint) with { Duration = TimeSpan.FromMilliseconds(600) }, timed);
        Assert.Empty(timed.Values);
        Assert.NotEmpty(timed.Intervals);
    }

    private sealed class ProgressLog : IBenchObserver
    {
        public List<double> Values { get; } = [];
        public List<BenchInterval> Intervals { get; } = [];
        public void Interval(BenchInterval interval) { lock (Intervals) Intervals.Add(interval); }
        public void Progress(double done) { lock (Values) Values.Add(done); }
    }

    [Fact]
    public async Task a_server_that_waits_10ms_per_reply_gives_p50_of_at_least_10ms()
    {
        await using var peer = BenchPeer.Echo(Transports.Tcp4, delay: TimeSpan.FromMilliseconds(10));
        var report = await BenchRunner.RunAsync(Options(BenchMode.Echo, peer.EndPoint) with { Count = 60 });
        Assert.Equal(60, report.Totals.Messages);
        Assert.True(report.Latency!.P50Ms >= 10, $"p50 {report.Latency.P50Ms} ms");
        Assert.True(report.Latency.MinMs >= 10, $"min {report.Latency.MinMs} ms");
    }

    [Fact]
    public async Task open_loop_latency_counts_from_the_intended_send_time_so_a_stall_cannot_hide()
    {
        // The server stalls 300 ms once, after 50 messages. At 500/s about 150 messages were due during the stall.
        await using var closedPeer = BenchPeer.Echo(Transports.Tcp4, stallAfterBytes: 50 * 64, stall: TimeSpan.FromMilliseconds(300));
        var closed = await BenchRunner.RunAsync(Options(BenchMode.Echo, closedPeer.EndPoint) with { Count = 400 });
        await using var openPeer = BenchPeer.Echo(Transports.Tcp4, stallAfterBytes: 50 * 64, stall: TimeSpan.FromMilliseconds(300));
        var open = await BenchRunner.RunAsync(Options(BenchMode.Echo, openPeer.EndPoint) with { Count = 400, Rate = 500 });
        // Closed loop: one slow sample, the rest fast; the stall is invisible at p75.
        // The histogram keeps values within 1/1024 and reports a bucket's lower edge: allow for that, not more.
        Assert.True(closed.Latency!.MaxMs >= 300 * (1 - 1.0 / 512), $"closed-loop max {closed.Latency.MaxMs} ms");
        Assert.True(closed.Latency.P90Ms < 50, $"closed-loop p90 {closed.Latency.P90Ms} ms");
        // Open loop: every message due during the stall waited for it.
        Assert.Equal("intended send time", open.Latency!.MeasuredFrom);
        var p75 = open.Histogram!.ValueAtPercentile(75) / 1e6;
        Assert.True(p75 >= 50, $"open-loop p75 {p75} ms");
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task throughput_to_a_plain_sink_sends_exactly_the_count(string transport)
    {
        await using var peer = BenchPeer.Discard(transport);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Throughput, peer.EndPoint) with { Count = 8 << 20, Size = 128 * 1024, Connections = 2 });
        Assert.Equal(8 << 20, report.Totals.BytesSent);
        // The sink counts a connection when it closes. The greeting went first on the first data connection (a one-shot
        // sink accepts once), so the sink saw the count plus that one line, and no connection of its own.
        await WaitFor(() => peer.BytesReceived + peer.ControlBytes > 8 << 20);
        Assert.InRange(peer.BytesReceived + peer.ControlBytes - (8 << 20), 1, 512);
        Assert.True(peer.ControlBytes > 0, "no connection began with the greeting");
        Assert.Null(report.Totals.ReceiverGbps);
        Assert.StartsWith("plain sink", report.Setup.Peer, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task throughput_to_the_bench_server_reports_the_receiver_side(string transport)
    {
        await using var server = new BenchServer(Transports.BindEndPoint(transport), udp: false);
        server.Start();
        using var cts = new CancellationTokenSource(Cap);
        var serving = server.RunAsync(once: false, cts.Token);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Throughput, server.LocalEndPoint!) with { Duration = TimeSpan.FromMilliseconds(700), Connections = 2 });
        Assert.True(report.Totals.BytesSent > 0);
        Assert.Equal(report.Totals.BytesSent, report.Totals.PeerBytes);
        Assert.NotNull(report.Totals.ReceiverGbps);
        Assert.Equal("sock bench server", report.Setup.Peer);
        Assert.Equal(report.Totals.BytesSent, report.Intervals.Sum(i => i.BytesSent));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task reverse_throughput_receives_what_the_server_sent(string transport)
    {
        await using var server = new BenchServer(Transports.BindEndPoint(transport), udp: false);
        server.Start();
        using var cts = new CancellationTokenSource(Cap);
        var serving = server.RunAsync(once: true, cts.Token);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Throughput, server.LocalEndPoint!) with { Count = 16 << 20, Reverse = true });
        Assert.Equal(16 << 20, report.Totals.BytesReceived);
        Assert.Equal(16 << 20, report.Totals.PeerBytes);
        await serving;
    }

    [Fact]
    public async Task reverse_needs_a_bench_server()
    {
        await using var peer = BenchPeer.Discard(Transports.Tcp4);
        var ex = await Assert.ThrowsAsync<SockException>(() => BenchRunner.RunAsync(Options(BenchMode.Throughput, peer.EndPoint) with { Reverse = true, Duration = TimeSpan.FromSeconds(1) }));
        Assert.Contains("not a sock bench server", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task connect_mode_counts_connections_and_their_latency(string transport)
    {
        await using var peer = BenchPeer.AcceptAndClose(transport);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Connect, peer.EndPoint) with { Count = 300, Connections = 2 });
        Assert.Equal(300, report.Totals.Messages);
        Assert.Equal(300, report.Latency!.Count);
        Assert.Equal(0, report.Totals.Errors);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_loss_from_a_server_that_drops_every_10th_datagram_is_reported(string transport)
    {
        await using var peer = BenchPeer.UdpEcho(transport, dropEvery: 10);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Udp, peer.EndPoint) with { Count = 1000, Rate = 4000, Size = 200, UdpEcho = true });
        var udp = report.Udp!;
        Assert.Equal(1000, udp.Sent);
        // Exactly 100 are dropped by the server; the tolerance (±1 point) allows for a rare loopback drop.
        Assert.InRange(udp.LossPercent, 9.0, 11.0);
        Assert.Equal(udp.Sent - udp.Delivered, udp.Lost);
        Assert.Equal(0, udp.Duplicated);
        Assert.Equal("echo", udp.MeasuredBy);
        Assert.Equal(udp.Delivered, report.Latency!.Count);
    }

    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_to_the_bench_server_counts_one_way_delivery(string transport)
    {
        await using var server = new BenchServer(Transports.BindEndPoint(transport), udp: true);
        server.Start();
        using var cts = new CancellationTokenSource(Cap);
        var serving = server.RunAsync(once: true, cts.Token);
        var report = await BenchRunner.RunAsync(Options(BenchMode.Udp, server.LocalEndPoint!) with { Count = 500, Rate = 5000, Size = 512 });
        var udp = report.Udp!;
        Assert.Equal(500, udp.Sent);
        Assert.Equal("server", udp.MeasuredBy);
        Assert.InRange(udp.Delivered, 495, 500); // loopback at 5000/s loses nothing in practice; 1% tolerance
        Assert.Equal(udp.Sent - udp.Delivered, udp.Lost);
        Assert.Equal(0, udp.Duplicated);
        Assert.True(udp.JitterMs >= 0);
        await serving;
    }

    [Fact]
    public async Task a_refused_target_is_a_network_error()
    {
        var ep = Transports.BindEndPoint(Transports.Tcp4);
        using (var s = new System.Net.Sockets.Socket(ep.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            s.Bind(ep);
            ep = s.LocalEndPoint!; // now closed: nothing listens there
        }
        var ex = await Assert.ThrowsAsync<SockException>(() => BenchRunner.RunAsync(Options(BenchMode.Echo, ep) with { Duration = TimeSpan.FromSeconds(1) }));
        Assert.Equal(SockErrorKind.Network, ex.Kind);
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, ex.SocketError);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(20);
    }
}
