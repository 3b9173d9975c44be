using System.Text.Json.Serialization;

namespace Sock.Core.Benchmarking;

/// <summary>Everything a run measured: the setup, each interval, the totals, latency percentiles, UDP figures.</summary>
public sealed record BenchReport
{
    /// <summary>What was run.</summary>
    public required BenchSetup Setup { get; init; }

    /// <summary>One entry per reporting interval (<see cref="BenchOptions.Interval"/>), in order.</summary>
    public required IReadOnlyList<BenchInterval> Intervals { get; init; }

    /// <summary>The whole measured part.</summary>
    public required BenchTotals Totals { get; init; }

    /// <summary>Latency percentiles (echo, pipeline, connect, udp echo); null where none is measured.</summary>
    public LatencySummary? Latency { get; init; }

    /// <summary>UDP delivery figures (udp mode).</summary>
    public UdpSummary? Udp { get; init; }

    /// <summary>HTTP figures (http mode): requests, responses by status, failures by kind.</summary>
    public HttpBenchSummary? Http { get; init; }

    /// <summary>The full latency distribution, for --histogram.</summary>
    [JsonIgnore]
    public LatencyHistogram? Histogram { get; init; }
}
