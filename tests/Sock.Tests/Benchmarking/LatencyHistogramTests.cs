using System.Globalization;
using Sock.Core.Benchmarking;

namespace Sock.Tests.Benchmarking;

/// <summary>The histogram keeps every value within 1/1024 of itself; percentiles of known distributions land where they must.</summary>
public sealed class LatencyHistogramTests
{
    private static long Exact(long[] sorted, double percentile) =>
        sorted[Math.Max(0, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];

    private static void WithinPrecision(long expected, long got)
    {
        // A reported value is the top of the bucket holding the true value: never below it, at most 1/1024 above.
        Assert.InRange(got, expected, expected + (long)Math.Ceiling(expected * LatencyHistogram.RelativePrecision));
    }

    [Fact]
    public void values_below_2048_are_exact()
    {
        var h = new LatencyHistogram();
        for (var v = 0; v < 2048; v++) h.Record(v);
        Assert.Equal(2048, h.TotalCount);
        Assert.Equal(1023, h.ValueAtPercentile(50));
        Assert.Equal(2047, h.ValueAtPercentile(100));
        Assert.Equal(0, h.Min);
    }

    [Fact]
    public void uniform_distribution_percentiles_are_within_stated_precision()
    {
        var h = new LatencyHistogram();
        var values = Enumerable.Range(1, 100_000).Select(v => (long)v * 1000).ToArray(); // 1 µs … 100 ms in ns
        foreach (var v in values) h.Record(v);
        foreach (var p in new[] { 50, 90, 99, 99.9 })
            WithinPrecision(Exact(values, p), h.ValueAtPercentile(p));
        Assert.Equal(100_000_000, h.Max);
        Assert.Equal(1000, h.Min);
        Assert.InRange(h.Mean, 50_000_500 * 0.999, 50_000_500 * 1.001);
    }

    [Fact]
    public void exponential_distribution_percentiles_are_within_stated_precision()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 200_000).Select(_ => (long)(-Math.Log(1 - random.NextDouble()) * 50_000) + 1).ToArray();
        var h = new LatencyHistogram();
        foreach (var v in values) h.Record(v);
        Array.Sort(values);
        foreach (var p in new[] { 10, 50, 90, 99, 99.9, 99.99 })
            WithinPrecision(Exact(values, p), h.ValueAtPercentile(p));
        Assert.Equal(values[^1], h.Max);
    }

    [Fact]
    public void merged_histograms_equal_one_that_saw_everything()
    {
        var random = new Random(11);
        var all = new LatencyHistogram();
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (var i = 0; i < 50_000; i++)
        {
            var v = random.NextInt64(1, 10_000_000_000);
            all.Record(v);
            (i % 3 == 0 ? a : b).Record(v);
        }
        var merged = new LatencyHistogram();
        merged.Add(a);
        merged.Add(b);
        Assert.Equal(all.TotalCount, merged.TotalCount);
        Assert.Equal(all.Max, merged.Max);
        Assert.Equal(all.Min, merged.Min);
        foreach (var p in new[] { 0.0, 25, 50, 75, 90, 99, 99.9, 100 })
            Assert.Equal(all.ValueAtPercentile(p), merged.ValueAtPercentile(p));
    }

    [Fact]
    public void recording_from_many_threads_loses_nothing()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 4, t =>
        {
            for (var i = 0; i < 100_000; i++) h.Record(1000 + (i % 5000));
        });
        Assert.Equal(400_000, h.TotalCount);
        Assert.Equal(400_000, h.Recorded().Sum(r => r.Count));
        Assert.Equal(5999, h.Max);
    }

    [Fact]
    public void percentile_text_is_hdrhistogram_format()
    {
        var h = new LatencyHistogram();
        for (var i = 1; i <= 10_000; i++) h.Record(i * 1000L); // 1 µs … 10 ms
        using var w = new StringWriter();
        HistogramPercentileText.Write(h, w);
        var lines = w.ToString().Split('\n');
        Assert.Matches(@"^\s+Value\s+Percentile\s+TotalCount\s+1/\(1-Percentile\)$", lines[0]);
        Assert.Equal("", lines[1]);
        var rows = lines.Skip(2).TakeWhile(l => !l.StartsWith('#')).Where(l => l.Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var values = rows.Select(r => double.Parse(r[0], CultureInfo.InvariantCulture)).ToList();
        var percentiles = rows.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)).ToList();
        var counts = rows.Select(r => long.Parse(r[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.OrderBy(v => v), values);
        Assert.Equal(percentiles.OrderBy(v => v), percentiles);
        Assert.Equal(0.0, percentiles[0]);
        Assert.Equal(1.0, percentiles[^1]);
        Assert.Equal(3, rows[^1].Length); // the last line has no 1/(1-Percentile)
        Assert.Equal(10_000, counts[^1]);
        var median = values[percentiles.FindIndex(p => p >= 0.5)];
        Assert.InRange(median, 5.0, 5.0 * (1 + LatencyHistogram.RelativePrecision) + 0.001);
        Assert.Contains(lines, l => l.StartsWith("#[Mean    =", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("#[Max     =", StringComparison.Ordinal) && l.Contains("Total count    =        10000", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("#[Buckets =", StringComparison.Ordinal) && l.Contains("SubBuckets     =         2048", StringComparison.Ordinal));
    }

    [Fact]
    public void summary_carries_the_distribution_and_bins_that_hold_every_sample()
    {
        // Two modes: 1,000 samples at 120 µs and 10 at 4.2 ms — a histogram must show them apart.
        var h = new LatencyHistogram();
        h.RecordCount(120_000, 1000);
        h.RecordCount(4_200_000, 10);
        var s = LatencySummary.From(h, "send");

        Assert.Equal(0.0, s.Distribution[0].Percentile);
        Assert.Equal(100.0, s.Distribution[^1].Percentile);
        Assert.Equal(1010, s.Distribution[^1].Count);
        Assert.Equal(s.Distribution.Select(d => d.Percentile).Order(), s.Distribution.Select(d => d.Percentile));
        Assert.InRange(s.Distribution.First(d => d.Percentile >= 50).Ms, 0.12, 0.12 * (1 + LatencyHistogram.RelativePrecision));
        Assert.Equal(4.2, s.Distribution[^1].Ms); // never past the exact maximum

        // Edges at 1, 1.5, 2, 3, 5, 7 × 10^k ns: from 0.1 ms (at or below the minimum) to 5 ms (at or above the maximum).
        Assert.Equal(0.1, s.Bins[0].FromMs);
        Assert.Equal(5.0, s.Bins[^1].ToMs);
        Assert.Equal([0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3], s.Bins.Select(b => b.FromMs));
        Assert.Equal(1010, s.Bins.Sum(b => b.Count));
        Assert.Equal(1000, s.Bins.Single(b => b.FromMs == 0.1).Count);
        Assert.Equal(10, s.Bins.Single(b => b.FromMs == 3).Count);

        // One value on an edge: one band holding all of it.
        var flat = new LatencyHistogram();
        flat.RecordCount(1000, 5);
        var one = Assert.Single(LatencySummary.From(flat, "send").Bins);
        Assert.Equal(5, one.Count);
        Assert.Empty(LatencySummary.From(new LatencyHistogram(), "send").Bins);
    }
}
