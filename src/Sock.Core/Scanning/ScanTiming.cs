using Sock.Core.Errors;

namespace Sock.Core.Scanning;

/// <summary>
/// How hard a scan pushes: the most probes in flight, the timeouts a probe starts with and is held between, and how
/// many times a silent port is probed again. Modelled on nmap's -T templates (the timeouts are nmap's own for
/// polite/normal/aggressive); the parallelism is higher than nmap's because a connect scan's cost is a file descriptor,
/// and the open-file limit bounds it anyway.
/// </summary>
/// <param name="Name">careful, polite, normal or aggressive.</param>
/// <param name="MaxParallel">The ceiling of connects in flight.</param>
/// <param name="InitialParallel">How many connects start at once before any answer is seen (the window then grows).</param>
/// <param name="InitialTimeout">The probe timeout before any round-trip time is measured.</param>
/// <param name="MinTimeout">The least a learned timeout may be.</param>
/// <param name="MaxTimeout">The most a learned timeout may be.</param>
/// <param name="MaxRetries">How many more times a port that gave no answer is probed before it is called filtered.</param>
/// <param name="ScanDelay">The least time between two probes (zero: none).</param>
public sealed record ScanTiming(string Name, int MaxParallel, int InitialParallel, TimeSpan InitialTimeout, TimeSpan MinTimeout,
    TimeSpan MaxTimeout, int MaxRetries, TimeSpan ScanDelay)
{
    /// <summary>One probe at a time with room to spare: for fragile hosts and links (like nmap -T1/-T2, without the long waits).</summary>
    public static ScanTiming Careful { get; } = new("careful", 8, 2, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(300),
        TimeSpan.FromSeconds(10), 3, TimeSpan.FromMilliseconds(50));

    /// <summary>Few probes in flight and nmap's default timeouts (like nmap -T2 without its 0.4 s delay).</summary>
    public static ScanTiming Polite { get; } = new("polite", 64, 8, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromSeconds(10), 2, TimeSpan.Zero);

    /// <summary>The default: nmap -T3's timeouts (start at 1 s, learn between 100 ms and 10 s), one retry, up to 1,024 connects in flight.</summary>
    public static ScanTiming Normal { get; } = new("normal", 1024, 64, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromSeconds(10), 1, TimeSpan.Zero);

    /// <summary>For fast, reliable networks: nmap -T4's timeouts (start at 500 ms, at most 1.25 s), one retry, up to 4,096 in flight.</summary>
    public static ScanTiming Aggressive { get; } = new("aggressive", 4096, 256, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(1250), 1, TimeSpan.Zero);

    /// <summary>Every preset, from careful to aggressive.</summary>
    public static IReadOnlyList<ScanTiming> All { get; } = [Careful, Polite, Normal, Aggressive];

    /// <summary>The preset named <paramref name="name"/> (or nmap's digit: 1-2 careful/polite, 3 normal, 4-5 aggressive).</summary>
    internal static ScanTiming Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "careful" or "0" or "1" or "paranoid" or "sneaky" => Careful,
        "polite" or "2" => Polite,
        "normal" or "3" => Normal,
        "aggressive" or "4" or "5" or "insane" => Aggressive,
        _ => throw SockException.Usage("timing", name, "unknown preset (careful, polite, normal or aggressive)"),
    };
}
