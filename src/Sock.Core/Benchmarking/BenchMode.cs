namespace Sock.Core.Benchmarking;

/// <summary>What a benchmark measures.</summary>
public enum BenchMode
{
    /// <summary>Bulk data on one or more streams: Gbit/s, sender and receiver side.</summary>
    Throughput,

    /// <summary>Ping-pong: one message in flight per connection; msg/s and latency percentiles.</summary>
    Echo,

    /// <summary>Several messages in flight per connection; msg/s and MiB/s.</summary>
    Pipeline,

    /// <summary>Connections opened and closed: rate and connect latency percentiles.</summary>
    Connect,

    /// <summary>Datagrams at a target rate: delivered, lost, reordered, duplicated, jitter.</summary>
    Udp,

    /// <summary>HTTP requests on keep-alive connections (<see cref="BenchOptions.Http"/>): requests/s, latency, statuses, errors by kind.</summary>
    Http,
}
