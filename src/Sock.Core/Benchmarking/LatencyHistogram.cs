using System.Numerics;

namespace Sock.Core.Benchmarking;

/// <summary>
/// An HDR-style latency histogram: log-linear buckets (2048 linear sub-buckets per power of two, as HdrHistogram with
/// three significant digits), so any recorded value is kept within 1/1024 (about 0.1%) of itself from 1 ns to about
/// 18 minutes, in fixed memory. Recording is lock-free and safe from many threads; histograms merge by adding counts.
/// Values are nanoseconds by convention.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketHalfCountMagnitude = 10;
    private const int SubBucketCount = 1 << (SubBucketHalfCountMagnitude + 1);
    private const int SubBucketHalfCount = SubBucketCount / 2;
    private const long SubBucketMask = SubBucketCount - 1;
    private const int LeadingZeroCountBase = 64 - SubBucketHalfCountMagnitude - 1;

    /// <summary>The largest value kept apart from others (2^40 ns, about 18 minutes); larger ones count as this.</summary>
    public const long HighestTrackableValue = 1L << 40;

    private readonly long[] _counts;
    private long _totalCount;
    private long _min = long.MaxValue;
    private long _max;

    /// <summary>Creates an empty histogram.</summary>
    public LatencyHistogram()
    {
        BucketCount = BucketsNeeded(HighestTrackableValue);
        _counts = new long[(BucketCount + 1) << SubBucketHalfCountMagnitude];
    }

    /// <summary>How many powers of two the histogram spans (HdrHistogram's "Buckets").</summary>
    public int BucketCount { get; }

    /// <summary>Linear steps per power of two (HdrHistogram's "SubBuckets").</summary>
    public static int SubBuckets => SubBucketCount;

    /// <summary>The worst relative error of a reported value: 1/1024.</summary>
    public static double RelativePrecision => 1.0 / SubBucketHalfCount;

    /// <summary>Values recorded.</summary>
    public long TotalCount => Volatile.Read(ref _totalCount);

    /// <summary>The smallest value recorded, exact; 0 when empty.</summary>
    public long Min => TotalCount == 0 ? 0 : Volatile.Read(ref _min);

    /// <summary>The largest value recorded, exact; 0 when empty.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Records one value (negative counts as 0, beyond <see cref="HighestTrackableValue"/> as that). Thread-safe.</summary>
    public void Record(long value) => RecordCount(value, 1);

    /// <summary>Records <paramref name="count"/> occurrences of one value. Thread-safe.</summary>
    public void RecordCount(long value, long count)
    {
        if (count <= 0) return;
        value = Math.Clamp(value, 0, HighestTrackableValue);
        Interlocked.Add(ref _counts[CountsIndex(value)], count);
        Interlocked.Add(ref _totalCount, count);
        long seen;
        while (value > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen) { }
        while (value < (seen = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, value, seen) != seen) { }
    }

    /// <summary>Adds every count of <paramref name="other"/> to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.TotalCount == 0) return;
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c != 0) Interlocked.Add(ref _counts[i], c);
        }
        Interlocked.Add(ref _totalCount, other.TotalCount);
        long seen;
        var max = other.Max;
        while (max > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, max, seen) != seen) { }
        var min = other.Min;
        while (min < (seen = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, min, seen) != seen) { }
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0–100): the highest value equivalent to the recorded value at that
    /// rank, never above the exact maximum. 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0) return 0;
        var p = Math.Clamp(percentile, 0, 100);
        var countAtPercentile = Math.Max(1, (long)Math.Ceiling(p / 100.0 * total));
        long cumulative = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            cumulative += Volatile.Read(ref _counts[i]);
            if (cumulative >= countAtPercentile)
                return Math.Min(HighestEquivalentValue(ValueFromIndex(i)), Max);
        }
        return Max;
    }

    /// <summary>The mean, from bucket midpoints (as HdrHistogram computes it).</summary>
    public double Mean
    {
        get
        {
            var total = TotalCount;
            if (total == 0) return 0;
            double sum = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                var c = Volatile.Read(ref _counts[i]);
                if (c != 0) sum += MedianEquivalentValue(ValueFromIndex(i)) * (double)c;
            }
            return sum / total;
        }
    }

    /// <summary>The standard deviation, from bucket midpoints.</summary>
    public double StdDeviation
    {
        get
        {
            var total = TotalCount;
            if (total == 0) return 0;
            var mean = Mean;
            double sum = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                var c = Volatile.Read(ref _counts[i]);
                if (c == 0) continue;
                var d = MedianEquivalentValue(ValueFromIndex(i)) - mean;
                sum += d * d * c;
            }
            return Math.Sqrt(sum / total);
        }
    }

    /// <summary>The buckets that hold values, in order: (highest equivalent value, count).</summary>
    public IEnumerable<(long Value, long Count)> Recorded()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref _counts[i]);
            if (c != 0) yield return (HighestEquivalentValue(ValueFromIndex(i)), c);
        }
    }

    /// <summary>The largest value that lands in the same bucket as <paramref name="value"/>.</summary>
    internal static long HighestEquivalentValue(long value) => LowestEquivalentValue(value) + BucketSize(value) - 1;

    /// <summary>The smallest value that lands in the same bucket as <paramref name="value"/>.</summary>
    internal static long LowestEquivalentValue(long value)
    {
        var bucket = BucketIndex(value);
        return (value >> bucket) << bucket;
    }

    private static long BucketSize(long value) => 1L << BucketIndex(value);

    private static double MedianEquivalentValue(long value) => LowestEquivalentValue(value) + (BucketSize(value) >> 1);

    private static int BucketIndex(long value) => LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));

    private static int CountsIndex(long value)
    {
        var bucket = BucketIndex(value);
        var sub = (int)(value >> bucket);
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + (sub - SubBucketHalfCount);
    }

    private static long ValueFromIndex(int index)
    {
        var bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        var sub = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            sub -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << bucket;
    }

    /// <summary>Whole array positions, in order, with their counts: what the percentile writer walks.</summary>
    internal IEnumerable<(long Value, long Count)> AllIndices()
    {
        for (var i = 0; i < _counts.Length; i++)
            yield return (HighestEquivalentValue(ValueFromIndex(i)), Volatile.Read(ref _counts[i]));
    }

    private static int BucketsNeeded(long highest)
    {
        long smallestUntrackable = SubBucketCount;
        var buckets = 1;
        while (smallestUntrackable <= highest)
        {
            if (smallestUntrackable > long.MaxValue / 2) return buckets + 1;
            smallestUntrackable <<= 1;
            buckets++;
        }
        return buckets;
    }
}
