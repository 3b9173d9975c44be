using System.Diagnostics;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The shared state of one run: the clock, warm-up and stop, the count budget, the counters and the histograms.
/// Workers ask it whether to go on, take work from the budget, wait for open-loop send times and record results.
/// </summary>
internal sealed class BenchRun
{
    private readonly CancellationTokenSource _stop = new();
    private readonly long? _count;
    private long _taken;
    private LatencyHistogram _interval = new();
    private volatile bool _recording;
    private string? _firstError;

    public BenchRun(BenchOptions options)
    {
        Options = options;
        _count = options.Count;
        StartTicks = Stopwatch.GetTimestamp();
        MeasureStartTicks = StartTicks + Ticks(options.Warmup);
        _recording = options.Warmup <= TimeSpan.Zero;
        EndTicks = options.EffectiveDuration is { } d ? MeasureStartTicks + Ticks(d) : long.MaxValue;
    }

    public BenchOptions Options { get; }

    public BenchCounters Counters { get; } = new();

    public LatencyHistogram Latency { get; } = new();

    public long StartTicks { get; }

    public long MeasureStartTicks { get; }

    /// <summary>When measuring stops (long.MaxValue for count-only runs).</summary>
    public long EndTicks { get; }

    /// <summary>Cancelled when the run should stop issuing work.</summary>
    public CancellationToken Stopping => _stop.Token;

    public bool Recording => _recording;

    public string? FirstError => Volatile.Read(ref _firstError);

    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    public static long Nanos(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    public static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>True while work should go on: not stopped, not past the end, budget not spent.</summary>
    public bool Going
    {
        get
        {
            if (_stop.IsCancellationRequested) return false;
            if (Now >= EndTicks) { Stop(); return false; }
            if (_count is { } c && Volatile.Read(ref _taken) >= c) return false;
            return true;
        }
    }

    /// <summary>Switches from warm-up to measuring once the warm-up is over; called by the sampler.</summary>
    public void StartRecording() => _recording = true;

    public void Stop() => _stop.Cancel();

    private long _sendingEndTicks;

    /// <summary>
    /// When the last unit of work was issued, if a workload waits for stragglers after it (UDP echo's drain): rates are
    /// per second of sending, not of sending plus waiting. Zero when not marked.
    /// </summary>
    public long SendingEndTicks => Volatile.Read(ref _sendingEndTicks);

    /// <summary>Marks the end of sending, before a workload waits for what is still on its way back.</summary>
    public void MarkSendingEnd() => Volatile.Write(ref _sendingEndTicks, Now);

    /// <summary>
    /// Takes up to <paramref name="want"/> units from the count budget (unlimited without a count; free in warm-up).
    /// <paramref name="measured"/> says whether they count: decided here, once, so that a unit taken in the warm-up is
    /// never counted and one that is counted was taken from the budget.
    /// </summary>
    public int Take(int want, out bool measured)
    {
        measured = false;
        if (!Going) return 0;
        measured = _recording;
        if (_count is not { } c || !measured) return want;
        var after = Interlocked.Add(ref _taken, want);
        if (after <= c) return want;
        var over = after - c;
        return (int)Math.Max(0, want - over);
    }

    /// <summary>Done so far, as a share of the count (null without one).</summary>
    public double? Progress => _count is { } c && c > 0 ? Math.Min(1, Volatile.Read(ref _taken) / (double)c) : null;

    public void RecordLatency(long nanos, long count = 1)
    {
        if (!_recording) return;
        Latency.RecordCount(nanos, count);
        Volatile.Read(ref _interval).RecordCount(nanos, count);
    }

    public LatencyHistogram SwapInterval() => Interlocked.Exchange(ref _interval, new LatencyHistogram());

    public void Error(string what)
    {
        Counters.AddError();
        Interlocked.CompareExchange(ref _firstError, what, null);
    }

    public void Mismatch(string what)
    {
        Counters.AddMismatch();
        Interlocked.CompareExchange(ref _firstError, what, null);
    }

    /// <summary>
    /// Open loop: the intended send time of message <paramref name="index"/> of connection <paramref name="connection"/>,
    /// with the rate shared evenly over connections and their starts staggered. Null in closed loop.
    /// </summary>
    public long? IntendedTicks(int connection, long index)
    {
        if (Options.Rate is not { } rate || rate <= 0) return null;
        var perConnectionGap = Options.Connections / rate * Stopwatch.Frequency;
        var offset = perConnectionGap * connection / Options.Connections;
        return StartTicks + (long)(offset + index * perConnectionGap);
    }

    /// <summary>
    /// Waits until <paramref name="ticks"/>: sleeps while far off, then yields for the last stretch so sends are not a
    /// timer tick late. A send that is late anyway is measured from the intended time, so lateness shows as latency.
    /// </summary>
    public async ValueTask WaitUntilAsync(long ticks)
    {
        var guard = Ticks(TimeSpan.FromMilliseconds(1.5));
        while (true)
        {
            var left = ticks - Now;
            if (left <= 0 || _stop.IsCancellationRequested) return;
            if (left > guard)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Seconds(left - guard)), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
