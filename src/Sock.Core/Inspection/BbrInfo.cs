namespace Sock.Core.Inspection;

/// <summary>
/// What the BBR congestion control reports about a connection (struct tcp_bbr_info), as ss -i prints it:
/// bbr:(bw:…bps,mrtt:…,pacing_gain:…,cwnd_gain:…).
/// </summary>
public sealed record BbrInfo
{
    /// <summary>The bottleneck bandwidth estimate, bytes per second.</summary>
    public ulong BandwidthBytesPerSecond { get; init; }

    /// <summary>The minimum round-trip time BBR keeps, microseconds.</summary>
    public long MinRttUs { get; init; }

    /// <summary>The pacing gain, as a multiple (the kernel's value over 256).</summary>
    public double PacingGain { get; init; }

    /// <summary>The congestion window gain, as a multiple (the kernel's value over 256).</summary>
    public double CwndGain { get; init; }
}
