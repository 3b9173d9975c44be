using Sock.Core.Benchmarking;

namespace Sock.Tests.Benchmarking;

/// <summary>The UDP receiver's bookkeeping: duplicates, reordering, and RFC 3550 jitter as iperf3 computes it.</summary>
public sealed class UdpSequenceStatsTests
{
    [Fact]
    public void duplicates_and_late_arrivals_are_told_apart()
    {
        var s = new UdpSequenceStats();
        foreach (var seq in new long[] { 0, 1, 3, 2, 2, 5, 4, 0 }) s.Record(seq, 0, 1000);
        var (received, delivered, duplicated, reordered, _) = s.Snapshot();
        Assert.Equal(8, received);
        Assert.Equal(6, delivered);    // 0 1 2 3 4 5
        Assert.Equal(2, duplicated);   // the second 2 and the second 0
        Assert.Equal(2, reordered);    // 2 after 3, 4 after 5
    }

    [Fact]
    public void constant_transit_time_has_no_jitter()
    {
        var s = new UdpSequenceStats();
        for (var i = 0; i < 100; i++) s.Record(i, i * 1_000_000L, i * 1_000_000L + 250_000);
        Assert.Equal(0, s.Snapshot().JitterNanos);
    }

    [Fact]
    public void jitter_follows_rfc3550_smoothing()
    {
        // Transit alternates 1 ms and 3 ms, so every |D| is 2 ms; J(n) = J(n-1) + (2 ms - J(n-1)) / 16 from J = 0.
        var s = new UdpSequenceStats();
        double expected = 0;
        for (var i = 0; i < 200; i++)
        {
            var transit = i % 2 == 0 ? 1_000_000L : 3_000_000L;
            s.Record(i, i * 10_000_000L, i * 10_000_000L + transit);
            if (i > 0) expected += (2_000_000 - expected) / 16;
        }
        Assert.Equal(expected, s.Snapshot().JitterNanos, 3);
        Assert.InRange(s.Snapshot().JitterNanos, 1_999_000, 2_000_000);
    }
}
