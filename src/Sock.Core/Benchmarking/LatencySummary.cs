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
    /// <summary>Summarises a histogram of nanoseconds.</summary>
    public static LatencySummary From(LatencyHistogram h, string measuredFrom)
    {
        ArgumentNullException.ThrowIfNull(h);
        static double Ms(double ns) => Math.Round(ns / 1e6, 6);
        return new(h.TotalCount, Ms(h.Min), Ms(h.Mean), Ms(h.StdDeviation), Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(90)),
            Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)), Ms(h.Max), measuredFrom);
    }
}
