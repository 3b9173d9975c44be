using System.Diagnostics;
using System.Net;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock serve -v`'s UDP log, rate-limited per peer: a peer's first exchange is logged at once, then at most one line
/// per <paramref name="every"/>, which sums up the exchanges since the last one. A flood from one peer stays one line a
/// second and never hides another peer's first datagram. At most <paramref name="maxPeers"/> peers are remembered (a
/// spoofed flood of senders must not grow memory); past that, the oldest tallies are logged and forgotten.
/// </summary>
internal sealed class DatagramTally(TimeSpan every, int maxPeers = 4096)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Service, EndPoint? Remote), Entry> _peers = [];
    private readonly long _every = (long)(every.TotalSeconds * Stopwatch.Frequency);

    private sealed class Entry(string protocol, long now)
    {
        public string Protocol { get; } = protocol;
        public long LastLine { get; set; } = now;
        public long Since { get; set; } = now;
        public int DatagramsIn { get; set; }
        public long BytesIn { get; set; }
        public int RepliesOut { get; set; }
        public long BytesOut { get; set; }
    }

    /// <summary>Counts one exchange; returns the line's figures when it is time to log this peer, else null.</summary>
    public DatagramBatch? Add(string service, string protocol, EndPoint? remote, int bytesIn, int repliesOut, int bytesOut, List<DatagramBatch>? evicted = null)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var key = (service, remote);
            var first = !_peers.TryGetValue(key, out var e);
            if (first)
            {
                if (_peers.Count >= maxPeers) Evict(evicted);
                e = new Entry(protocol, now);
                _peers[key] = e;
            }
            e!.DatagramsIn++;
            e.BytesIn += bytesIn;
            e.RepliesOut += repliesOut;
            e.BytesOut += bytesOut;
            if (!first && now - e.LastLine < _every) return null;
            var batch = Take(key, e, now);
            e.LastLine = now;
            return batch;
        }
    }

    /// <summary>What was counted but not logged yet, for the last lines at stop.</summary>
    public List<DatagramBatch> Flush()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var left = _peers.Where(kv => kv.Value.DatagramsIn > 0).Select(kv => Take(kv.Key, kv.Value, now)).ToList();
            _peers.Clear();
            return left;
        }
    }

    private void Evict(List<DatagramBatch>? evicted)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (key, e) in _peers.OrderBy(kv => kv.Value.LastLine).Take(Math.Max(1, maxPeers / 4)).ToList())
        {
            if (e.DatagramsIn > 0) evicted?.Add(Take(key, e, now));
            _peers.Remove(key);
        }
    }

    private static DatagramBatch Take((string Service, EndPoint? Remote) key, Entry e, long now)
    {
        var batch = new DatagramBatch(key.Service, e.Protocol, key.Remote, e.DatagramsIn, e.BytesIn, e.RepliesOut, e.BytesOut,
            (now - e.Since) / (double)Stopwatch.Frequency);
        e.DatagramsIn = e.RepliesOut = 0;
        e.BytesIn = e.BytesOut = 0;
        e.Since = now;
        return batch;
    }
}
