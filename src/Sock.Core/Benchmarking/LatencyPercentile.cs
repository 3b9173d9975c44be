namespace Sock.Core.Benchmarking;

/// <summary>One step of the latency distribution: <paramref name="Percentile"/> of the samples took at most <paramref name="Ms"/>.</summary>
/// <param name="Ms">The latency, in milliseconds.</param>
/// <param name="Percentile">The share of samples at or below it, 0–100 (the last step is 100).</param>
/// <param name="Count">How many samples that is.</param>
public sealed record LatencyPercentile(double Ms, double Percentile, long Count);
