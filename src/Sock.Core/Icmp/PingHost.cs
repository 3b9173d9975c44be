using Sock.Core.Scanning;

namespace Sock.Core.Icmp;

/// <summary>One host being pinged: the target as typed and resolved, its statistics, and each request's round trip in order.</summary>
public sealed class PingHost
{
    internal PingHost(ScanTarget target) => Target = target;

    /// <summary>The target: as typed, its address, its name when it was given by name.</summary>
    public ScanTarget Target { get; }

    /// <summary>Counts and round-trip figures.</summary>
    public PingStatistics Statistics { get; } = new();

    /// <summary>
    /// Each request's round trip in ms, in the order sent; null for no reply (fping -C's list). Only the first
    /// <see cref="PingOptions.RoundTripHistory"/> requests are listed, so a long flood does not grow without bound.
    /// </summary>
    public List<double?> RoundTrips { get; } = [];

    /// <summary>A request went out: a place for its round trip, while the history has room.</summary>
    internal void AddRequest(int history)
    {
        if (RoundTrips.Count < history) RoundTrips.Add(null);
    }
}
