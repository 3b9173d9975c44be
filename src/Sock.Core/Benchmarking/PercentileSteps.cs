namespace Sock.Core.Benchmarking;

/// <summary>
/// HdrHistogram's percentile iteration (outputPercentileDistribution with five ticks per half distance): a step every
/// 10 % up to 50 %, every 5 % to 75 %, and so on, ten steps per halving of what is left, so the tail is drawn as finely
/// as the middle. The one walk both the text distribution (--histogram) and the JSON distribution take.
/// </summary>
internal static class PercentileSteps
{
    private const int TicksPerHalfDistance = 5;

    /// <summary>Each step's value (ns), percentile (0–1) and samples at or below it; the last step is percentile 1.</summary>
    public static IEnumerable<(long Value, double Percentile, long Cumulative, bool Last)> Of(LatencyHistogram histogram)
    {
        var total = histogram.TotalCount;
        if (total == 0) yield break;
        double level = 0;
        long cumulative = 0;
        foreach (var (value, count) in histogram.AllIndices())
        {
            if (count == 0) continue;
            cumulative += count;
            var current = 100.0 * cumulative / total;
            var reachedEnd = cumulative >= total;
            while (current >= level)
            {
                yield return (value, level / 100.0, cumulative, false);
                var ticks = TicksPerHalfDistance * (long)Math.Pow(2, (long)(Math.Log(100.0 / (100.0 - level)) / Math.Log(2)) + 1);
                level += 100.0 / ticks;
                if (reachedEnd) break;
            }
            if (reachedEnd)
            {
                yield return (value, 1.0, cumulative, true);
                yield break;
            }
        }
    }
}
