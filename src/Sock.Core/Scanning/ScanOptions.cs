using Sock.Core.Tracing;

namespace Sock.Core.Scanning;

/// <summary>How a scan runs. Every property has a documented default; nothing is required.</summary>
public sealed class ScanOptions
{
    /// <summary>The timing preset; default <see cref="ScanTiming.Normal"/>.</summary>
    public ScanTiming Timing { get; init; } = ScanTiming.Normal;

    /// <summary>A ceiling of probes in flight that replaces the preset's (--max-parallel); null keeps the preset's.</summary>
    public int? MaxParallel { get; init; }

    /// <summary>Retries for silent ports that replace the preset's (--retries); null keeps the preset's.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>
    /// A fixed probe timeout (--timeout): it replaces the learned one, so every probe waits exactly this long.
    /// Null (the default) learns the timeout from round-trip times.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// List closed TCP ports one by one in <see cref="ScanReport.Results"/> (--all); default false: they are counted
    /// per target in <see cref="ScanReport.UnlistedClosed"/>, so a large scan keeps no record per closed port.
    /// </summary>
    public bool ListClosed { get; init; }

    /// <summary>Read what an open TCP port's service sends first (--banner); default false.</summary>
    public bool GrabBanners { get; init; }

    /// <summary>How long to wait for a banner's first bytes; default 1.5 s.</summary>
    public TimeSpan BannerTimeout { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>The most banner bytes kept; default 256.</summary>
    public int BannerBytes { get; init; } = 256;

    /// <summary>The trace socket calls are written to; null (the default) traces nothing.</summary>
    public SocketTrace? Trace { get; init; }

    /// <summary>Where progress is reported, about ten times a second; null reports nothing.</summary>
    public IProgress<ScanProgress>? Progress { get; init; }

    /// <summary>Which connect engine runs the TCP scan (--engine); the default picks the fastest available.</summary>
    public ScanEngine Engine { get; init; }

    /// <summary>
    /// Threads of the epoll engine (--workers, 1 to 64); null (the default) picks one per core for large scans, at
    /// most four, and one when tracing or with a scan delay.
    /// </summary>
    public int? Workers { get; init; }

    /// <summary>
    /// Scan through these proxies (--proxy), as nmap's --proxies: each TCP port is a connect through the chain, its
    /// verdict the last proxy's answer; --max-parallel defaults to 8 and --timeout to 10 s there. Null (the default):
    /// connect directly. UDP scans cannot go through a proxy.
    /// </summary>
    public Proxies.ProxyOptions? Proxy { get; init; }

    /// <summary>The effective ceiling before the open-file limit is applied.</summary>
    internal int WantedParallel => Math.Max(1, MaxParallel ?? Timing.MaxParallel);

    /// <summary>The effective retries.</summary>
    internal int Retries => Math.Max(0, MaxRetries ?? Timing.MaxRetries);
}
