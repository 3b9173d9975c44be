using System.Globalization;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Writes a histogram in HdrHistogram's percentile distribution text format (outputPercentileDistribution with five
/// ticks per half distance), the format its plotter and HistogramLogAnalyzer read: Value, Percentile, TotalCount,
/// 1/(1-Percentile), then the Mean/Max/Buckets footer.
/// </summary>
internal static class HistogramPercentileText
{
    private const int Digits = 3;

    /// <summary>Writes <paramref name="histogram"/> (nanoseconds) with values scaled by <paramref name="unitScale"/> (1e6: milliseconds).</summary>
    public static void Write(LatencyHistogram histogram, TextWriter output, double unitScale = 1e6)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.Write(string.Format(ci, "{0,12} {1,14} {2,10} {3,14}\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)"));
        var total = histogram.TotalCount;
        foreach (var (value, percentile, cumulative, last) in PercentileSteps.Of(histogram))
            Line(output, value / unitScale, percentile, cumulative, last);
        var maxShown = histogram.Max == 0 ? 0 : LatencyHistogram.HighestEquivalentValue(histogram.Max);
        output.Write(string.Format(ci, "#[Mean    = {0,12:F3}, StdDeviation   = {1,12:F3}]\n", histogram.Mean / unitScale, histogram.StdDeviation / unitScale));
        output.Write(string.Format(ci, "#[Max     = {0,12:F3}, Total count    = {1,12}]\n", maxShown / unitScale, total));
        output.Write(string.Format(ci, "#[Buckets = {0,12}, SubBuckets     = {1,12}]\n", histogram.BucketCount, LatencyHistogram.SubBuckets));
    }

    private static void Line(TextWriter output, double value, double percentile, long cumulative, bool last)
    {
        var ci = CultureInfo.InvariantCulture;
        output.Write(last
            ? string.Format(ci, "{0,12:F" + Digits + "} {1,2:F12} {2,10}\n", value, percentile, cumulative)
            : string.Format(ci, "{0,12:F" + Digits + "} {1,2:F12} {2,10} {3,14:F2}\n", value, percentile, cumulative, 1.0 / (1.0 - percentile)));
    }
}
