namespace Sock.Core.Benchmarking;

/// <summary>
/// What a UDP receiver saw of a numbered stream: datagrams received, distinct ones, duplicates, those that came after
/// a higher number (reordered), and RFC 3550 interarrival jitter as iperf3 computes it
/// (J += (|D| - J) / 16, D the change in transit time between consecutive arrivals). Single-threaded writer; reads
/// take the lock.
/// </summary>
internal sealed class UdpSequenceStats
{
    private const long MaxTrackedSeq = 1L << 28;
    private readonly Lock _gate = new();
    private ulong[] _seen = new ulong[1024];
    private long _highest = -1;
    private double _prevTransit;
    private bool _havePrev;

    public long Received { get; private set; }
    public long Delivered { get; private set; }
    public long Duplicated { get; private set; }
    public long Reordered { get; private set; }
    public double JitterNanos { get; private set; }

    public void Record(long seq, long sentNanos, long arrivalNanos)
    {
        lock (_gate)
        {
            Received++;
            if (seq < MaxTrackedSeq)
            {
                var word = (int)(seq >> 6);
                if (word >= _seen.Length) Array.Resize(ref _seen, Math.Max(word + 1, _seen.Length * 2));
                var bit = 1UL << (int)(seq & 63);
                if ((_seen[word] & bit) != 0)
                {
                    Duplicated++;
                    return;
                }
                _seen[word] |= bit;
            }
            Delivered++;
            if (seq < _highest) Reordered++;
            else _highest = seq;
            double transit = arrivalNanos - sentNanos;
            if (_havePrev)
            {
                var d = Math.Abs(transit - _prevTransit);
                JitterNanos += (d - JitterNanos) / 16.0;
            }
            _prevTransit = transit;
            _havePrev = true;
        }
    }

    public (long Received, long Delivered, long Duplicated, long Reordered, double JitterNanos) Snapshot()
    {
        lock (_gate) return (Received, Delivered, Duplicated, Reordered, JitterNanos);
    }
}
