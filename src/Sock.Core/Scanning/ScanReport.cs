namespace Sock.Core.Scanning;

/// <summary>What a scan found, and how it ran.</summary>
public sealed class ScanReport
{
    /// <summary>"tcp" or "udp".</summary>
    public required string Protocol { get; init; }

    /// <summary>The addresses scanned.</summary>
    public required IReadOnlyList<ScanTarget> Targets { get; init; }

    /// <summary>The targets that gave no address (names that did not resolve).</summary>
    public required IReadOnlyList<TargetFailure> Failures { get; init; }

    /// <summary>The ports scanned on each target, sorted.</summary>
    public required IReadOnlyList<int> Ports { get; init; }

    /// <summary>
    /// The verdicts listed one by one, by target then port: every open and filtered port, and closed ports when
    /// <see cref="ScanOptions.ListClosed"/> asked for them (UDP lists every port). The others are counted in
    /// <see cref="UnlistedClosed"/>.
    /// </summary>
    public required IReadOnlyList<PortResult> Results { get; init; }

    /// <summary>Closed ports not in <see cref="Results"/>, counted per target (targets with none are absent).</summary>
    public IReadOnlyDictionary<ScanTarget, int> UnlistedClosed { get; init; } = new Dictionary<ScanTarget, int>();

    /// <summary>Closed ports of <paramref name="target"/> that are counted, not listed.</summary>
    public int UnlistedClosedOf(ScanTarget target) => UnlistedClosed.TryGetValue(target, out var n) ? n : 0;

    /// <summary>Every verdict, listed or counted: targets × ports once the scan completed.</summary>
    public long Verdicts => Results.Count + UnlistedClosed.Values.Sum(n => (long)n);

    /// <summary>Targets none of whose probes could be sent or routed (every one failed with a network or host unreachable).</summary>
    public required IReadOnlyList<ScanTarget> Unreachable { get; init; }

    /// <summary>From the first probe to the last verdict.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Probes sent, retries included.</summary>
    public required long Probes { get; init; }

    /// <summary>The ceiling of probes in flight after the open-file limit was applied.</summary>
    public required int ParallelCeiling { get; init; }

    /// <summary>The most probes that were in flight at once.</summary>
    public required int PeakInFlight { get; init; }

    /// <summary>The timing preset's name.</summary>
    public required string Timing { get; init; }

    /// <summary>How many ports per second got a verdict.</summary>
    public double PortsPerSecond => Elapsed.TotalSeconds > 0 ? Verdicts / Elapsed.TotalSeconds : Verdicts;

    /// <summary>How many verdicts were <paramref name="state"/>.</summary>
    public int Count(PortState state) =>
        Results.Count(r => r.State == state) + (state == PortState.Closed ? UnlistedClosed.Values.Sum() : 0);
}
