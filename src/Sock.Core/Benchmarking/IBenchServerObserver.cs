namespace Sock.Core.Benchmarking;

/// <summary>Hears what a <see cref="BenchServer"/> does, for its log.</summary>
public interface IBenchServerObserver
{
    /// <summary>A client asked for a measurement.</summary>
    void SessionStarted(string peer, string request);

    /// <summary>A measurement ended.</summary>
    void SessionEnded(BenchServerSession session);

    /// <summary>A connection or datagram that was not part of the protocol, or a session that failed.</summary>
    void Problem(string peer, string what);
}
