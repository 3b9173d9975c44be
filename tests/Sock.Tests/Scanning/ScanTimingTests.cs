using Sock.Core.Errors;
using Sock.Core.Scanning;
using Sock.Core.Sockets;

namespace Sock.Tests.Scanning;

public class ScanTimingTests
{
    [Fact]
    public void the_timeout_starts_at_the_presets_initial_value() =>
        Assert.Equal(TimeSpan.FromSeconds(1), new RttEstimator(ScanTiming.Normal).Timeout);

    [Fact]
    public void the_first_sample_sets_srtt_and_at_least_five_ms_of_variance()
    {
        var timing = ScanTiming.Normal with { MinTimeout = TimeSpan.Zero };
        var rtt = new RttEstimator(timing);
        rtt.Add(TimeSpan.FromMilliseconds(2));
        // srtt 2 ms + 4 × max(2 ms, 5 ms) = 22 ms, as nmap's first sample.
        Assert.Equal(22, rtt.Timeout.TotalMilliseconds, 3);
    }

    [Fact]
    public void steady_round_trips_shrink_the_timeout_toward_the_minimum()
    {
        var rtt = new RttEstimator(ScanTiming.Normal);
        for (var i = 0; i < 50; i++) rtt.Add(TimeSpan.FromMicroseconds(60));
        Assert.Equal(ScanTiming.Normal.MinTimeout, rtt.Timeout);
    }

    [Fact]
    public void slow_round_trips_are_capped_at_the_maximum()
    {
        var rtt = new RttEstimator(ScanTiming.Aggressive);
        rtt.Add(TimeSpan.FromSeconds(3));
        Assert.Equal(ScanTiming.Aggressive.MaxTimeout, rtt.Timeout);
    }

    [Fact]
    public void jitter_widens_the_timeout()
    {
        var timing = ScanTiming.Normal with { MinTimeout = TimeSpan.Zero };
        var steady = new RttEstimator(timing);
        var jittery = new RttEstimator(timing);
        for (var i = 0; i < 20; i++)
        {
            steady.Add(TimeSpan.FromMilliseconds(20));
            jittery.Add(TimeSpan.FromMilliseconds(i % 2 == 0 ? 5 : 35));
        }
        Assert.True(jittery.Timeout > steady.Timeout * 2, $"{jittery.Timeout} vs {steady.Timeout}");
    }

    [Fact]
    public void the_window_doubles_per_round_trip_and_halves_on_loss()
    {
        var w = new CongestionWindow(4, 100);
        for (var i = 0; i < 4; i++) w.OnAnswer();
        Assert.Equal(8, w.Size);
        w.OnLoss();
        Assert.Equal(4, w.Size);
        // Past the threshold it grows by about one per window of answers.
        for (var i = 0; i < 8; i++) w.OnAnswer();
        Assert.Equal(5, w.Size);
    }

    [Fact]
    public void the_window_never_passes_the_ceiling_nor_drops_below_one()
    {
        var w = new CongestionWindow(50, 64);
        for (var i = 0; i < 1000; i++) w.OnAnswer();
        Assert.Equal(64, w.Size);
        w.CapAt(0);
        Assert.Equal(1, w.Size);
    }

    [Theory]
    [InlineData("careful", "careful")]
    [InlineData("POLITE", "polite")]
    [InlineData("3", "normal")]
    [InlineData("4", "aggressive")]
    [InlineData("insane", "aggressive")]
    public void presets_have_names_and_nmap_digits(string input, string name) =>
        Assert.Equal(name, ScanTiming.Parse(input).Name);

    [Fact]
    public void presets_go_from_careful_to_aggressive()
    {
        var all = ScanTiming.All;
        Assert.Equal(["careful", "polite", "normal", "aggressive"], all.Select(t => t.Name));
        for (var i = 1; i < all.Count; i++) Assert.True(all[i].MaxParallel > all[i - 1].MaxParallel);
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => ScanTiming.Parse("fast")).Kind);
    }

    [Fact]
    public void the_open_file_limit_bounds_the_ceiling()
    {
        var soft = OpenFileLimit.Soft();
        if (soft is null) return;
        Assert.True(OpenFileLimit.Allow(100) <= 100);
        // Asking for more than any limit allows gets the limit less a reserve, never more.
        var allowed = OpenFileLimit.Allow(int.MaxValue / 2);
        Assert.True(allowed < int.MaxValue / 2);
        Assert.True(allowed <= OpenFileLimit.Soft()!.Value - OpenFileLimit.Reserve);
    }
}
