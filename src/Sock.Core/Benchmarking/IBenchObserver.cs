namespace Sock.Core.Benchmarking;

/// <summary>Hears about a run while it goes, for live output.</summary>
public interface IBenchObserver
{
    /// <summary>An interval ended.</summary>
    void Interval(BenchInterval interval);

    /// <summary>
    /// The share of a fixed-count run done so far (0–1), several times a second between interval lines; never called
    /// for a run measured by time alone. Called from another thread than <see cref="Interval"/>.
    /// </summary>
    void Progress(double done)
    {
    }
}
