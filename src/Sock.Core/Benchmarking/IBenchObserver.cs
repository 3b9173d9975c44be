namespace Sock.Core.Benchmarking;

/// <summary>Hears about a run while it goes, for live output.</summary>
public interface IBenchObserver
{
    /// <summary>An interval ended.</summary>
    void Interval(BenchInterval interval);
}
