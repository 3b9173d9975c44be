namespace Sock.Core.Benchmarking;

/// <summary>UDP figures as iperf3 reports them, and more.</summary>
/// <param name="Sent">Datagrams sent.</param>
/// <param name="Received">Datagrams received, duplicates included.</param>
/// <param name="Delivered">Distinct datagrams received.</param>
/// <param name="Lost">Sent and never received: <c>Sent - Delivered</c>.</param>
/// <param name="LossPercent">Lost as a share of sent.</param>
/// <param name="Reordered">Received after a datagram with a higher sequence number.</param>
/// <param name="Duplicated">Received more than once (extra copies).</param>
/// <param name="JitterMs">RFC 3550 interarrival jitter, as iperf3 computes it (smoothed by 1/16).</param>
/// <param name="MeasuredBy">"server" (one way, counted by sock bench --server) or "echo" (round trip).</param>
public sealed record UdpSummary(long Sent, long Received, long Delivered, long Lost, double LossPercent, long Reordered,
    long Duplicated, double JitterMs, string MeasuredBy);
