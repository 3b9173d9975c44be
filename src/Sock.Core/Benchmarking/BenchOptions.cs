using System.Net;

namespace Sock.Core.Benchmarking;

/// <summary>How a benchmark runs. Every property has a documented default.</summary>
public sealed record BenchOptions
{
    /// <summary>What to measure.</summary>
    public required BenchMode Mode { get; init; }

    /// <summary>Where: an IP endpoint or a Unix socket path.</summary>
    public required EndPoint Target { get; init; }

    /// <summary>Connections (streams for throughput). Default 1.</summary>
    public int Connections { get; init; } = 1;

    /// <summary>How long to measure after the warm-up. Default: 10 s unless <see cref="Count"/> is set.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How much to measure: messages (echo, pipeline), connections (connect), datagrams (udp), bytes (throughput).</summary>
    public long? Count { get; init; }

    /// <summary>Message size in bytes (the write size for throughput). Default: 128 KiB for throughput, 64 otherwise.</summary>
    public int Size { get; init; } = 64;

    /// <summary>Messages in flight per connection in pipeline mode. Default 64.</summary>
    public int InFlight { get; init; } = 64;

    /// <summary>Open-loop rate, messages (connections, datagrams) per second over all connections; null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Time run before measuring, so connections, caches and the JIT are warm. Default none.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Reporting interval. Default 1 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throughput: the server sends and this side receives.</summary>
    public bool Reverse { get; init; }

    /// <summary>UDP: the target is a plain UDP echo server (round-trip figures) instead of a sock bench server.</summary>
    public bool UdpEcho { get; init; }

    /// <summary>
    /// Pipeline: always use asynchronous sockets. By default a pipeline run with few connections and little in flight
    /// uses one blocking thread per connection, which is faster there; this turns that off (--async).
    /// </summary>
    public bool AsyncSockets { get; init; }

    /// <summary>The request for <see cref="BenchMode.Http"/> (required there, ignored elsewhere).</summary>
    public HttpBenchTarget? Http { get; init; }

    /// <summary>Time allowed for each connect during setup. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The duration actually used: <see cref="Duration"/>, else none with a count, else 10 s.</summary>
    internal TimeSpan? EffectiveDuration => Duration ?? (Count is null ? TimeSpan.FromSeconds(10) : null);
}
