namespace Sock.Core.Benchmarking;

/// <summary>What was run, stated plainly so the figures can be judged.</summary>
public sealed record BenchSetup
{
    /// <summary>throughput, echo, pipeline, connect, udp.</summary>
    public required string Mode { get; init; }

    /// <summary>The target as text.</summary>
    public required string Target { get; init; }

    /// <summary>tcp4, tcp6, unix, udp4, udp6.</summary>
    public required string Transport { get; init; }

    /// <summary>Connections or streams.</summary>
    public int Connections { get; init; }

    /// <summary>Message (write, datagram) size in bytes.</summary>
    public int Size { get; init; }

    /// <summary>Messages in flight per connection (1 for echo, 0 when not meaningful).</summary>
    public int InFlight { get; init; }

    /// <summary>Requested measuring time, seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Requested count.</summary>
    public long? Count { get; init; }

    /// <summary>Open-loop rate per second over all connections; null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Warm-up, seconds.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Throughput direction reversed (server sends).</summary>
    public bool Reverse { get; init; }

    /// <summary>Who the far side is: "sock bench server", "any sink (sender side only)", "echo server".</summary>
    public required string Peer { get; init; }

    /// <summary>One sentence saying all of the above.</summary>
    public required string Statement { get; init; }
}
