using System.Net;
using Sock.Core.Icmp;
using Sock.Core.Scanning;

namespace Sock.Tests.Icmp;

/// <summary>The library's ping run: the per-request round-trip list is bounded, and replies are matched to their hosts on both of its look-up paths.</summary>
public class PingerTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task the_round_trip_list_keeps_only_the_first_requests_while_the_statistics_count_all(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        // A flood (no interval: the suite runs as root) of 300 requests, a history of 50.
        var report = await Pinger.RunAsync([new ScanTarget(loopback, address, null)],
            new PingOptions { Count = 300, Interval = TimeSpan.Zero, RoundTripHistory = 50, Timeout = TimeSpan.FromSeconds(5) });
        var host = Assert.Single(report.Hosts);
        Assert.Equal(300, host.Statistics.Transmitted);
        Assert.Equal(300, host.Statistics.Received);
        Assert.Equal(50, host.RoundTrips.Count);
        Assert.All(host.RoundTrips, r => Assert.NotNull(r));
    }

    [Fact]
    public async Task replies_from_many_hosts_are_each_matched_to_their_own_host()
    {
        // More hosts than SendTimes keeps tables for: the dictionary path, and each reply found by its source address.
        var targets = Enumerable.Range(1, SendTimes.TableHostLimit + 4)
            .Select(i => new ScanTarget($"127.0.3.{i}", IPAddress.Parse($"127.0.3.{i}"), null)).ToList();
        var report = await Pinger.RunAsync(targets, new PingOptions { Count = 3, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(targets.Count, report.Hosts.Count);
        Assert.All(report.Hosts, h =>
        {
            Assert.Equal(3, h.Statistics.Transmitted);
            Assert.Equal(3, h.Statistics.Received);
            Assert.Equal(0, h.Statistics.Duplicates);
            Assert.Equal(3, h.RoundTrips.Count(r => r is not null));
        });
    }
}
