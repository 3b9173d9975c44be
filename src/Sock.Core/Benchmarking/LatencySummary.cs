namespace Sock.Core.Benchmarking;

/// <summary>Latency percentiles in milliseconds, from a <see cref="LatencyHistogram"/>.</summary>
/// <param name="Count">Samples.</param>
/// <param name="MinMs">Smallest.</param>
/// <param name="MeanMs">Mean.</param>
/// <param name="StdDevMs">Standard deviation.</param>
/// <param name="P50Ms">Median.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="P999Ms">99.9th percentile.</param>
/// <param name="MaxMs">Largest.</param>
/// <param name="MeasuredFrom">"send" (closed loop) or "intended send time" (open loop, no coordinated omission).</param>
public sealed record LatencySummary(long Count, double MinMs, double MeanMs, double StdDevMs, double P50Ms, double P90Ms,
    double P99Ms, double P999Ms, double MaxMs, string MeasuredFrom)
{
    /// <summary>
    /// The whole distribution, as HdrHistogram prints it (a step every 10 % up to the median, then ten steps per halving
    /// of the rest): what a percentile plot is drawn from.
    /// </summary>
    public IReadOnlyList<LatencyPercentile> Distribution { get; init; } = [];

    /// <summary>The samples counted in bars with edges at 1, 1.5, 2, 3, 5 and 7 times a power of ten (ns), from the minimum to the maximum.</summary>
    public IReadOnlyList<LatencyBin> Bins { get; init; } = [];

    /// <summary>Summarises a histogram of nanoseconds.</summary>
    public static LatencySummary From(LatencyHistogram h, string measuredFrom)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new(h.TotalCount, Ms(h.Min), Ms(h.Mean), Ms(h.StdDeviation), Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(90)),
            Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)), Ms(h.Max), measuredFrom)
        {
            // A step's value is its bucket's highest equivalent, which may pass the exact maximum by the bucket's width.
            Distribution = [.. PercentileSteps.Of(h).Select(s => new LatencyPercentile(Ms(Math.Min(s.Value, h.Max)), Math.Round(s.Percentile * 100, 6), s.Cumulative))],
            Bins = BinsOf(h),
        };
    }

    private static double Ms(double ns) => Math.Round(ns / 1e6, 6);

    private static readonly double[] Steps = [1, 1.5, 2, 3, 5, 7];

    // Round edges a reader can name ("up to 1.5 ms"), about six to a decade: fine enough to show two modes apart,
    // few enough that each bar has samples in it.
    private static LatencyBin[] BinsOf(LatencyHistogram h)
    {
        if (h.TotalCount == 0) return [];
        var edges = new List<double>();
        var decade = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(1, h.Min))));
        for (var k = 0; edges.Count == 0 || edges[^1] < h.Max; k = (k + 1) % Steps.Length)
        {
            var edge = Steps[k] * decade;
            if (k == Steps.Length - 1) decade *= 10;
            // Start at the largest edge at or below the minimum.
            if (edge <= h.Min) edges.Clear();
            edges.Add(edge);
        }
        if (edges.Count == 1) edges.Add(edges[0]); // every sample the same value, on an edge
        var counts = new long[edges.Count - 1];
        var bin = 0;
        foreach (var (value, count) in h.AllIndices())
        {
            if (count == 0) continue;
            var v = Math.Min(value, h.Max); // a bucket's highest equivalent may pass the exact maximum
            while (bin < counts.Length - 1 && v > edges[bin + 1]) bin++;
            counts[bin] += count;
        }
        return [.. counts.Select((c, i) => new LatencyBin(Ms(edges[i]), Ms(edges[i + 1]), c))];
    }
}
