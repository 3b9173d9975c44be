using System.Globalization;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Runs a benchmark: sets the mode up (connections, handshake; not timed), warms up, measures for the duration or
/// count while a sampler closes an interval every <see cref="BenchOptions.Interval"/>, then collects the far side's
/// figures and builds the report.
/// </summary>
public static class BenchRunner
{
    /// <summary>How long past the end a run may take to wind down before its sockets are closed under it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="options"/>; <paramref name="observer"/> hears each interval.</summary>
    public static async Task<BenchReport> RunAsync(BenchOptions options, IBenchObserver? observer = null, SocketTrace? trace = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        await using var workload = Create(options);
        await workload.SetupAsync(options, trace, cancellationToken).ConfigureAwait(false);

        var run = new BenchRun(options);
        var intervals = new List<BenchInterval>();
        using var samplerStop = new CancellationTokenSource();
        using var userStop = cancellationToken.Register(run.Stop);
        var sampler = SampleAsync(run, workload, intervals, observer, samplerStop.Token);
        var progress = options.Count is not null && observer is not null ? ReportProgressAsync(run, observer, samplerStop.Token) : Task.CompletedTask;
        var work = workload.RunAsync(run);
        await Watch(run, work, workload).ConfigureAwait(false);
        // A workload that drained replies after its last send is measured to its last send.
        var workEnd = run.SendingEndTicks is > 0 and var sent ? sent : BenchRun.Now;
        run.Stop();
        await samplerStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        var lastSample = await sampler.ConfigureAwait(false);
        CloseInterval(run, workload, intervals, observer, lastSample, Math.Max(workEnd, run.MeasureStartTicks), final: true);
        await workload.FinishAsync(run, CancellationToken.None).ConfigureAwait(false);
        return Build(options, run, workload, intervals, Math.Max(0, workEnd - run.MeasureStartTicks));
    }

    private static BenchWorkload Create(BenchOptions o) => o.Mode switch
    {
        BenchMode.Http when o.Http is { Version: Http.HttpVersionChoice.Http2 } or { DotNetClient: true } => new HttpClientWorkload(),
        BenchMode.Http => new HttpWorkload(),
        BenchMode.Throughput => new ThroughputWorkload(),
        BenchMode.Echo => new EchoWorkload(),
        BenchMode.Pipeline => new PipelineWorkload(),
        BenchMode.Connect => new ConnectWorkload(),
        BenchMode.Udp => new UdpWorkload(),
        _ => throw new ArgumentOutOfRangeException(nameof(o)),
    };

    /// <summary>The most connections (or streams) one run opens.</summary>
    internal const int MaxConnections = 10_000;

    private static void Validate(BenchOptions o)
    {
        static string N(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (o.Connections is < 1 or > MaxConnections) throw SockException.Usage("bench -c", N(o.Connections), $"connections must be 1 to {MaxConnections}");
        if (o.Size is < 1 or > 64 * 1024 * 1024) throw SockException.Usage("bench -s", N(o.Size), "size must be 1 byte to 64 MiB");
        if (o.Mode == BenchMode.Udp && o.Size is < UdpDatagram.HeaderLength or > 65507)
            throw SockException.Usage("bench -s", N(o.Size), $"a UDP datagram here is {UdpDatagram.HeaderLength} to 65507 bytes (it carries a {UdpDatagram.HeaderLength}-byte header)");
        if (o.InFlight is < 1 or > 1_000_000) throw SockException.Usage("bench --in-flight", N(o.InFlight), "must be 1 to 1000000");
        if (o.Rate is { } r && (r <= 0 || double.IsNaN(r) || double.IsInfinity(r))) throw SockException.Usage("bench --rate", N(r), "must be a positive number per second");
        if (o.Count is { } c && c < 1) throw SockException.Usage("bench -n", N(c), "must be at least 1");
        if (o.Duration is { } d && d <= TimeSpan.Zero) throw SockException.Usage("bench -d", Durations.Format(d), "must be more than zero");
        if (o.Interval < TimeSpan.FromMilliseconds(10)) throw SockException.Usage("bench --interval", Durations.Format(o.Interval), "must be at least 10ms");
        if (o.Warmup < TimeSpan.Zero) throw SockException.Usage("bench --warmup", Durations.Format(o.Warmup), "must not be negative");
        if (o.Reverse && o.Mode != BenchMode.Throughput) throw SockException.Usage("bench --reverse", o.Mode.ToString().ToLowerInvariant(), "only throughput mode has a direction");
        if (o.Rate is not null && o.Mode is BenchMode.Throughput or BenchMode.Pipeline)
            throw SockException.Usage("bench --rate", o.Mode.ToString().ToLowerInvariant(), "open-loop rate applies to echo, connect, udp and http modes");
        if (o.Mode == BenchMode.Http)
        {
            if (o.Http is null) throw new ArgumentException("http mode needs BenchOptions.Http", nameof(o));
            if (o.Http.Pipeline is < 1 or > 1024) throw SockException.Usage("bench --pipeline", N(o.Http.Pipeline), "must be 1 to 1024");
            if (o.Http.Pipeline > 1 && o.Rate is not null)
                throw SockException.Usage("bench --pipeline", N(o.Http.Pipeline), "open loop (--rate) sends each request at its own time, one in flight per connection");
            if (o.Http.Pipeline > 1 && o.Http.DotNetClient)
                throw SockException.Usage("bench --pipeline", N(o.Http.Pipeline), ".NET's HTTP/1.1 client does not pipeline (sock's own client does)");
        }
    }

    /// <summary>Waits for the work, closing the sockets under it if it runs past its end by more than <see cref="Grace"/>.</summary>
    private static async Task Watch(BenchRun run, Task work, BenchWorkload workload)
    {
        while (!work.IsCompleted)
        {
            var limit = run.EndTicks == long.MaxValue ? long.MaxValue : run.EndTicks + BenchRun.Ticks(Grace);
            if (run.Stopping.IsCancellationRequested && limit == long.MaxValue) limit = BenchRun.Now + BenchRun.Ticks(Grace);
            if (BenchRun.Now > limit)
            {
                run.Error("the run did not wind down in time; its connections were closed");
                await workload.DisposeAsync().ConfigureAwait(false);
                break;
            }
            await Task.WhenAny(work, Task.Delay(100)).ConfigureAwait(false);
        }
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            run.Error(ex.Message);
        }
    }

    private sealed record Sample(long Ticks, long Messages, long Sent, long Received, long Errors, LatencyHistogram? Histogram = null);

    private static async Task<Sample> SampleAsync(BenchRun run, BenchWorkload workload, List<BenchInterval> intervals, IBenchObserver? observer, CancellationToken stop)
    {
        try
        {
            var wait = run.MeasureStartTicks - BenchRun.Now;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(BenchRun.Seconds(wait)), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        run.StartRecording();
        run.SwapInterval();
        var (m, s, r, e) = run.Counters.Snapshot();
        var last = new Sample(run.MeasureStartTicks, m, s, r, e);
        var step = BenchRun.Ticks(run.Options.Interval);
        var next = run.MeasureStartTicks + step;
        while (!stop.IsCancellationRequested)
        {
            var left = next - BenchRun.Now;
            if (left > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(BenchRun.Seconds(left)), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            last = CloseInterval(run, workload, intervals, observer, last, next, final: false);
            next += step;
        }
        return last;
    }

    /// <summary>How often a fixed-count run reports how far it is: often enough for a bar to move smoothly.</summary>
    private static readonly TimeSpan ProgressStep = TimeSpan.FromMilliseconds(200);

    private static async Task ReportProgressAsync(BenchRun run, IBenchObserver observer, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProgressStep, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (run.Progress is { } done) observer.Progress(done);
        }
    }

    private static Sample CloseInterval(BenchRun run, BenchWorkload workload, List<BenchInterval> intervals, IBenchObserver? observer,
        Sample last, long at, bool final)
    {
        var (m, s, r, e) = run.Counters.Snapshot();
        var now = new Sample(at, m, s, r, e);
        var seconds = BenchRun.Seconds(at - last.Ticks);
        if (seconds <= 0) return now;
        var h = run.SwapInterval();
        // A last sliver shorter than a tenth of an interval joins the interval before it rather than showing a wild rate.
        var folded = final && intervals.Count > 0 && seconds < run.Options.Interval.TotalSeconds / 10;
        if (folded)
        {
            var previous = intervals[^1];
            var startTicks = run.MeasureStartTicks + Ticks(previous.StartSeconds);
            last = new Sample(startTicks, last.Messages - previous.Messages, last.Sent - previous.BytesSent, last.Received - previous.BytesReceived, last.Errors - previous.Errors, last.Histogram);
            seconds = BenchRun.Seconds(at - startTicks);
            intervals.RemoveAt(intervals.Count - 1);
            if (last.Histogram is { } before)
            {
                before.Add(h);
                h = before;
            }
        }
        var reverse = run.Options.Reverse;
        var sentBytes = s - last.Sent;
        var receivedBytes = r - last.Received;
        var interval = new BenchInterval
        {
            StartSeconds = Math.Round(BenchRun.Seconds(last.Ticks - run.MeasureStartTicks), 3),
            EndSeconds = Math.Round(BenchRun.Seconds(at - run.MeasureStartTicks), 3),
            Messages = m - last.Messages,
            BytesSent = sentBytes,
            BytesReceived = receivedBytes,
            MessagesPerSecond = Math.Round((m - last.Messages) / seconds, 1),
            SenderGbps = reverse ? 0 : Gbps(sentBytes, seconds),
            ReceiverGbps = reverse ? Gbps(receivedBytes, seconds) : null,
            P50Ms = workload.MeasuresLatency && h.TotalCount > 0 ? Ms(h.ValueAtPercentile(50)) : null,
            P99Ms = workload.MeasuresLatency && h.TotalCount > 0 ? Ms(h.ValueAtPercentile(99)) : null,
            Errors = e - last.Errors,
            Progress = run.Progress,
        };
        intervals.Add(interval);
        // A folded sliver changes the last line only slightly; the live output keeps the line it already showed.
        if (!folded) observer?.Interval(interval);
        return now with { Histogram = h };
    }

    private static long Ticks(double seconds) => (long)(seconds * System.Diagnostics.Stopwatch.Frequency);

    private static double Gbps(long bytes, double seconds) => seconds <= 0 ? 0 : Math.Round(bytes * 8 / seconds / 1e9, 3);

    private static double Ms(long nanos) => Math.Round(nanos / 1e6, 6);

    private static BenchReport Build(BenchOptions o, BenchRun run, BenchWorkload workload, List<BenchInterval> intervals, long measuredTicks)
    {
        var seconds = BenchRun.Seconds(measuredTicks);
        var c = run.Counters;
        var peer = workload.PeerBytes;
        var peerIntervals = workload.PeerIntervalBytes;
        if (peerIntervals is not null && o.Mode == BenchMode.Throughput)
        {
            for (var i = 0; i < intervals.Count; i++)
            {
                var len = intervals[i].EndSeconds - intervals[i].StartSeconds;
                var b = i < peerIntervals.Count ? peerIntervals[i] : 0;
                intervals[i] = o.Reverse
                    ? intervals[i] with { SenderGbps = Gbps(b, len) }
                    : intervals[i] with { ReceiverGbps = Gbps(b, len) };
            }
        }
        double senderGbps;
        double? receiverGbps;
        if (o.Mode == BenchMode.Throughput && o.Reverse)
        {
            senderGbps = peer is { } p ? Gbps(p, seconds) : 0;
            receiverGbps = Gbps(c.BytesReceived, seconds);
        }
        else
        {
            senderGbps = Gbps(c.BytesSent, seconds);
            receiverGbps = o.Mode == BenchMode.Throughput && peer is { } p ? Gbps(p, seconds) : (o.Mode is BenchMode.Echo or BenchMode.Pipeline ? Gbps(c.BytesReceived, seconds) : null);
        }
        var payload = o.Mode switch
        {
            BenchMode.Throughput => o.Reverse ? c.BytesReceived : c.BytesSent,
            BenchMode.Udp => c.BytesSent,
            _ => c.BytesReceived,
        };
        var totals = new BenchTotals
        {
            Seconds = Math.Round(seconds, 3),
            Messages = c.Messages,
            BytesSent = c.BytesSent,
            BytesReceived = c.BytesReceived,
            PeerBytes = peer,
            MessagesPerSecond = seconds > 0 ? Math.Round(c.Messages / seconds, 1) : 0,
            MiBPerSecond = seconds > 0 ? Math.Round(payload / seconds / (1024 * 1024), 3) : 0,
            SenderGbps = senderGbps,
            ReceiverGbps = receiverGbps,
            Errors = c.Errors,
            Mismatches = c.Mismatches,
            FirstError = run.FirstError,
        };
        var openLoop = o.Rate is not null && o.Mode is BenchMode.Echo or BenchMode.Connect or BenchMode.Http || o.Mode == BenchMode.Udp;
        var latency = workload.MeasuresLatency && run.Latency.TotalCount > 0
            ? LatencySummary.From(run.Latency, openLoop ? "intended send time" : o.Mode == BenchMode.Connect ? "start of connect" : "send")
            : null;
        return new BenchReport
        {
            Setup = Setup(o, workload),
            Intervals = intervals,
            Totals = totals,
            Latency = latency,
            Udp = workload.Udp,
            Http = workload.Http,
            Histogram = workload.MeasuresLatency ? run.Latency : null,
        };
    }

    private static BenchSetup Setup(BenchOptions o, BenchWorkload workload)
    {
        var ci = CultureInfo.InvariantCulture;
        var mode = o.Mode.ToString().ToLowerInvariant();
        var transport = BenchConnector.TransportName(o.Target, o.Mode == BenchMode.Udp);
        var connections = o.Mode == BenchMode.Udp ? 1 : o.Connections;
        var rate = o.Mode == BenchMode.Udp ? o.Rate ?? UdpWorkload.DefaultRate : o.Rate;
        var what = o.Mode switch
        {
            BenchMode.Throughput => string.Create(ci, $"{connections} stream{(connections == 1 ? "" : "s")} of {Size(o.Size)} writes{(o.Reverse ? ", server sending" : "")}"),
            BenchMode.Echo => string.Create(ci, $"{connections} connection{(connections == 1 ? "" : "s")}, {Size(o.Size)} messages, 1 in flight each"),
            BenchMode.Pipeline => string.Create(ci, $"{connections} connection{(connections == 1 ? "" : "s")}, {Size(o.Size)} messages, {workload.InFlight} in flight each"),
            BenchMode.Connect => string.Create(ci, $"{connections} concurrent connect loop{(connections == 1 ? "" : "s")} (open, close)"),
            BenchMode.Http => string.Create(ci, $"{connections} keep-alive connection{(connections == 1 ? "" : "s")}, {workload.InFlight} request{(workload.InFlight == 1 ? "" : "s")} in flight each ({(o.Http!.Version == Http.HttpVersionChoice.Http2 ? "HTTP/2" : "HTTP/1.1")}, {(workload is HttpWorkload ? "sock's own request writer and response reader" : ".NET's HttpClient")})"),
            _ => string.Create(ci, $"1 socket, {Size(Math.Max(o.Size, UdpDatagram.HeaderLength))} datagrams"),
        };
        var how = o.EffectiveDuration is { } d
            ? (o.Count is { } n ? string.Create(ci, $"for {Durations.Format(d)} or {n} {Unit(o.Mode)}, whichever comes first") : $"for {Durations.Format(d)}")
            : string.Create(ci, $"for {o.Count} {Unit(o.Mode)}");
        var pace = rate is { } r ? string.Create(ci, $", open loop at {r:0.##}/s (latency from the intended send time)") : ", closed loop (as fast as replies come)";
        if (o.Mode == BenchMode.Throughput) pace = "";
        if (o.Mode == BenchMode.Udp)
            pace = string.Create(ci, $", paced at {rate:0.##} datagrams/s") + (o.UdpEcho ? " (round-trip latency from the intended send time)" : "");
        var warm = o.Warmup > TimeSpan.Zero ? $" after a {Durations.Format(o.Warmup)} warm-up" : "";
        var target = o.Mode == BenchMode.Http ? o.Http!.Url.AbsoluteUri + (o.Target is System.Net.Sockets.UnixDomainSocketEndPoint ? $" via {EndpointText.Format(o.Target)}" : "") : EndpointText.Format(o.Target);
        var statement = $"{mode} to {target} ({transport}, {workload.Peer}): {what}, {how}{warm}{pace}.";
        return new BenchSetup
        {
            Mode = mode,
            Target = target,
            Transport = transport,
            Connections = connections,
            Size = o.Mode == BenchMode.Udp ? Math.Max(o.Size, UdpDatagram.HeaderLength) : o.Size,
            InFlight = workload.InFlight,
            DurationSeconds = o.EffectiveDuration?.TotalSeconds,
            Count = o.Count,
            Rate = rate,
            WarmupSeconds = o.Warmup.TotalSeconds,
            Reverse = o.Reverse,
            Peer = workload.Peer,
            Statement = statement,
        };
    }

    private static string Unit(BenchMode mode) => mode switch
    {
        BenchMode.Throughput => "bytes",
        BenchMode.Connect => "connections",
        BenchMode.Udp => "datagrams",
        BenchMode.Http => "requests",
        _ => "messages",
    };

    /// <summary>A size as people read it: 64 B, 128 KiB, 1 MiB.</summary>
    internal static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
