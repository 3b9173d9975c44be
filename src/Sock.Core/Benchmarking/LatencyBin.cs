namespace Sock.Core.Benchmarking;

/// <summary>One bar of the latency histogram: the samples above <paramref name="FromMs"/> and at most <paramref name="ToMs"/>.</summary>
/// <param name="FromMs">The lower edge, in milliseconds (the first bar also holds a sample equal to it).</param>
/// <param name="ToMs">The upper edge, in milliseconds.</param>
/// <param name="Count">Samples in the bar.</param>
public sealed record LatencyBin(double FromMs, double ToMs, long Count);
