namespace Sock.Core.Benchmarking;

/// <summary>
/// What one client may ask of a <see cref="BenchServer"/>. The control line is unauthenticated, so every figure in it
/// is checked against these before anything is allocated; a request over a limit is refused with
/// <c>SOCKBENCH/1 ERR …</c> naming the limit, which the client shows as its one-line error. A client's sessions are
/// counted together (by its address; all Unix-socket clients are one client), so ten requests of 100 streams are as
/// much as one of 1,000.
/// </summary>
public sealed class BenchServerLimits
{
    /// <summary>Default <see cref="MaxStreams"/>: 128, iperf3's own ceiling on -P.</summary>
    public const int DefaultMaxStreams = 128;

    /// <summary>Default <see cref="MaxBuffer"/>: 4 MiB (iperf3 refuses blocks over 1 MiB; sock's client writes 128 KiB).</summary>
    public const int DefaultMaxBuffer = 4 << 20;

    /// <summary>Default <see cref="MaxDuration"/>: one hour.</summary>
    public static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromHours(1);

    /// <summary>The most data connections (streams) one client may have open across all its sessions; a UDP session counts as one.</summary>
    public int MaxStreams { get; init; } = DefaultMaxStreams;

    /// <summary>The largest write size (<c>size=</c>, bench -s) a client may ask for, in bytes.</summary>
    public int MaxBuffer { get; init; } = DefaultMaxBuffer;

    /// <summary>
    /// The longest measurement a client may ask for, warm-up included. A session still running this long after it
    /// began (plus a short grace for the result) is closed, so a count-only run (<c>-n</c>) is bounded too.
    /// </summary>
    public TimeSpan MaxDuration { get; init; } = DefaultMaxDuration;

    /// <summary>The defaults.</summary>
    public static BenchServerLimits Default { get; } = new();
}
