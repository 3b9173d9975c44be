using System.Text.Json.Serialization;

namespace Sock.Core.Benchmarking;

/// <summary>The whole measured part of a run.</summary>
public sealed record BenchTotals
{
    /// <summary>Measured time, seconds (warm-up excluded).</summary>
    public double Seconds { get; init; }

    /// <summary>Whole messages (connections, datagrams) completed and checked.</summary>
    public long Messages { get; init; }

    /// <summary>Bytes this side sent.</summary>
    public long BytesSent { get; init; }

    /// <summary>Bytes this side received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Bytes the far side reported (a sock bench server): received, or sent with --reverse.</summary>
    public long? PeerBytes { get; init; }

    /// <summary>Messages per second.</summary>
    public double MessagesPerSecond { get; init; }

    /// <summary>MiB/s of message payload completed (both directions count once).</summary>
    [JsonPropertyName("mibPerSecond")]
    public double MiBPerSecond { get; init; }

    /// <summary>Sender-side Gbit/s.</summary>
    public double SenderGbps { get; init; }

    /// <summary>Receiver-side Gbit/s, when known.</summary>
    public double? ReceiverGbps { get; init; }

    /// <summary>Failed connects, resets, short replies.</summary>
    public long Errors { get; init; }

    /// <summary>Echoed messages that differed from what was sent.</summary>
    public long Mismatches { get; init; }

    /// <summary>The first error seen, in words.</summary>
    public string? FirstError { get; init; }
}
