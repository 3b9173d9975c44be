namespace Sock.Core.Inspection;

/// <summary>
/// The kernel's struct tcp_info for one connection, the fields ss -i prints. Times are in microseconds as the
/// kernel gives them unless named otherwise.
/// </summary>
public sealed record TcpInternals
{
    /// <summary>The congestion control algorithm (cubic, bbr…), when given.</summary>
    public string? Congestion { get; init; }
    /// <summary>Options the connection negotiated: timestamps, SACK, ECN… (ts, sack, ecn, ecnseen, fastopen as ss names them).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];
    /// <summary>Whether window scaling was negotiated (the scales below mean nothing otherwise; ss then leaves them out).</summary>
    public bool HasWindowScale { get; init; }
    /// <summary>Send window scale.</summary>
    public int SendWindowScale { get; init; }
    /// <summary>Receive window scale.</summary>
    public int ReceiveWindowScale { get; init; }
    /// <summary>Retransmission timeout, microseconds.</summary>
    public long RtoUs { get; init; }
    /// <summary>Delayed-ack timeout, microseconds.</summary>
    public long AtoUs { get; init; }
    /// <summary>Sender maximum segment size.</summary>
    public int Mss { get; init; }
    /// <summary>Receiver maximum segment size estimate.</summary>
    public int RcvMss { get; init; }
    /// <summary>Segments sent and not yet acknowledged.</summary>
    public int Unacked { get; init; }
    /// <summary>Segments thought lost.</summary>
    public int Lost { get; init; }
    /// <summary>Segments being retransmitted now.</summary>
    public int Retrans { get; init; }
    /// <summary>Retransmissions over the connection's life.</summary>
    public int TotalRetrans { get; init; }
    /// <summary>Milliseconds since data was last sent.</summary>
    public long LastSendMs { get; init; }
    /// <summary>Milliseconds since data was last received.</summary>
    public long LastReceiveMs { get; init; }
    /// <summary>Milliseconds since an ack was last received.</summary>
    public long LastAckMs { get; init; }
    /// <summary>Path MTU.</summary>
    public int Pmtu { get; init; }
    /// <summary>Smoothed round-trip time, microseconds.</summary>
    public long RttUs { get; init; }
    /// <summary>Round-trip time variance, microseconds.</summary>
    public long RttVarUs { get; init; }
    /// <summary>Slow-start threshold (segments); very large when not set.</summary>
    public long SendSsthresh { get; init; }
    /// <summary>Congestion window (segments).</summary>
    public int Cwnd { get; init; }
    /// <summary>Advertised MSS.</summary>
    public int AdvMss { get; init; }
    /// <summary>Receive-side RTT estimate, microseconds.</summary>
    public long RcvRttUs { get; init; }
    /// <summary>Receive space (auto-tuning).</summary>
    public long RcvSpace { get; init; }
    /// <summary>Pacing rate, bytes per second.</summary>
    public ulong PacingRate { get; init; }
    /// <summary>Bytes acknowledged by the peer.</summary>
    public ulong BytesAcked { get; init; }
    /// <summary>Bytes received.</summary>
    public ulong BytesReceived { get; init; }
    /// <summary>Segments sent.</summary>
    public long SegsOut { get; init; }
    /// <summary>Segments received.</summary>
    public long SegsIn { get; init; }
    /// <summary>Bytes written but not yet sent.</summary>
    public long NotSentBytes { get; init; }
    /// <summary>Minimum RTT seen, microseconds.</summary>
    public long MinRttUs { get; init; }
    /// <summary>Delivery rate, bytes per second.</summary>
    public ulong DeliveryRate { get; init; }
    /// <summary>Bytes sent (including retransmissions).</summary>
    public ulong BytesSent { get; init; }
    /// <summary>Bytes retransmitted.</summary>
    public ulong BytesRetrans { get; init; }
    /// <summary>The peer's advertised receive window.</summary>
    public long SendWindow { get; init; }
    /// <summary>The current window clamp the receiver offers (rcv_ssthresh).</summary>
    public long RcvSsthresh { get; init; }
    /// <summary>How many segments out of order the sender tolerates before it takes one as lost (ss shows it when not 3).</summary>
    public int Reordering { get; init; }
    /// <summary>Segments delivered to the peer (acknowledged, counting SACK), retransmissions included.</summary>
    public long Delivered { get; init; }
    /// <summary>Whether the delivery rate was limited by the application (too little to send) rather than the network.</summary>
    public bool AppLimited { get; init; }
    /// <summary>Segments sent that carried data.</summary>
    public long DataSegsOut { get; init; }
    /// <summary>Segments received that carried data.</summary>
    public long DataSegsIn { get; init; }
    /// <summary>BBR's own figures, when the connection runs BBR.</summary>
    public BbrInfo? Bbr { get; init; }
}
