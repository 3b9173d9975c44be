namespace Sock.Core.Benchmarking;

/// <summary>One reporting interval of a run, measured from the end of the warm-up.</summary>
public sealed record BenchInterval
{
    /// <summary>Start, seconds.</summary>
    public double StartSeconds { get; init; }

    /// <summary>End, seconds.</summary>
    public double EndSeconds { get; init; }

    /// <summary>Whole messages (connections, datagrams) completed and checked.</summary>
    public long Messages { get; init; }

    /// <summary>Bytes this side sent.</summary>
    public long BytesSent { get; init; }

    /// <summary>Bytes this side received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Messages per second.</summary>
    public double MessagesPerSecond { get; init; }

    /// <summary>Sender-side Gbit/s (this side, or the server with --reverse).</summary>
    public double SenderGbps { get; init; }

    /// <summary>Receiver-side Gbit/s, when the receiver reported (a sock bench server, or this side with --reverse).</summary>
    public double? ReceiverGbps { get; init; }

    /// <summary>Median latency in the interval, ms.</summary>
    public double? P50Ms { get; init; }

    /// <summary>99th percentile latency in the interval, ms.</summary>
    public double? P99Ms { get; init; }

    /// <summary>Errors in the interval (failed connects, mismatched replies).</summary>
    public long Errors { get; init; }

    /// <summary>Fraction of a fixed-count run done (0–1), null for timed runs.</summary>
    public double? Progress { get; init; }
}
