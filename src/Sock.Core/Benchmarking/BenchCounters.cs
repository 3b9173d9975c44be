namespace Sock.Core.Benchmarking;

/// <summary>
/// The counts of a run, shared by all connections: each worker adds with atomic operations (once per batch, not per
/// byte), and the sampler reads them; nothing is lost to a race.
/// </summary>
internal sealed class BenchCounters
{
    private long _messages;
    private long _bytesSent;
    private long _bytesReceived;
    private long _errors;
    private long _mismatches;

    public long Messages => Volatile.Read(ref _messages);
    public long BytesSent => Volatile.Read(ref _bytesSent);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);
    public long Errors => Volatile.Read(ref _errors);
    public long Mismatches => Volatile.Read(ref _mismatches);

    public void AddMessages(long n) => Interlocked.Add(ref _messages, n);
    public void AddSent(long n) => Interlocked.Add(ref _bytesSent, n);
    public void AddReceived(long n) => Interlocked.Add(ref _bytesReceived, n);
    public void AddError() => Interlocked.Increment(ref _errors);
    public void AddMismatch() => Interlocked.Increment(ref _mismatches);

    /// <summary>A consistent-enough copy for an interval line (each field is exact; they are read one after another).</summary>
    public (long Messages, long Sent, long Received, long Errors) Snapshot() =>
        (Messages, BytesSent, BytesReceived, Errors + Mismatches);
}
