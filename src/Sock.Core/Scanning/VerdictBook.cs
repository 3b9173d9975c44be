using System.Net.Sockets;

namespace Sock.Core.Scanning;

/// <summary>
/// The verdicts of a scan: one byte of state per job (port-major, target-minor) while the scan runs, and the details
/// (reason, tries, round trip, banner) only for the ports worth listing — open and filtered ones, and closed ones when
/// <see cref="ScanOptions.ListClosed"/> asks. A closed port is a count per target, so a /16 of closed ports keeps
/// 64 KiB of state, not a record each. The <see cref="PortResult"/> records are made once, at the end.
/// </summary>
internal sealed class VerdictBook
{
    public const byte Pending = 0, Open = 1, Closed = 2, Filtered = 3;

    private readonly IReadOnlyList<ScanTarget> _targets;
    private readonly IReadOnlyList<int> _ports;
    private readonly bool _listClosed;
    private readonly byte[] _state;
    private readonly int[] _closed;
    private readonly Dictionary<long, Detail> _details = [];
    private readonly Lock _gate = new();

    private record struct Detail(string Reason, byte Tries, float RttMicros, byte[]? Banner);

    public VerdictBook(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, bool banners, bool listClosed = true)
    {
        _ = banners;
        _targets = targets;
        _ports = ports;
        _listClosed = listClosed;
        Total = (long)targets.Count * ports.Count;
        _state = new byte[Total];
        _closed = new int[targets.Count];
    }

    /// <summary>Jobs in all: targets × ports.</summary>
    public long Total { get; }

    private long _done;
    private long _openCount;

    /// <summary>Jobs with a verdict.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Open ports found.</summary>
    public long OpenCount => Interlocked.Read(ref _openCount);

    /// <summary>Which target and port a job is: jobs run port by port across the targets, so hosts share the load.</summary>
    public (int Target, int Port) Locate(long job) => ((int)(job % _targets.Count), _ports[(int)(job / _targets.Count)]);

    /// <summary>Records a verdict. Safe from several threads as long as each job is recorded by one of them.</summary>
    public void Record(long job, byte verdict, string reason, int tries, TimeSpan? rtt)
    {
        if (_state[job] != Pending) return;
        _state[job] = verdict;
        if (verdict == Closed && !_listClosed)
        {
            Interlocked.Increment(ref _closed[job % _targets.Count]);
        }
        else
        {
            var detail = new Detail(reason, (byte)Math.Min(tries, byte.MaxValue), rtt is { } r ? (float)Math.Max(r.TotalMicroseconds, 0.001) : 0, null);
            lock (_gate) _details[job] = detail;
        }
        if (verdict == Open) Interlocked.Increment(ref _openCount);
        Interlocked.Increment(ref _done);
    }

    public void SetBanner(long job, byte[] banner)
    {
        lock (_gate)
            if (_details.TryGetValue(job, out var d)) _details[job] = d with { Banner = banner };
    }

    /// <summary>
    /// What a finished connect means. Silence (a timeout, or a connect closed by the sweep) is retried; an answer
    /// (accepted, refused, ICMP unreachable) is final; a local shortage (no ephemeral port, no buffers) says nothing
    /// about the target, so the port is tried again without counting it.
    /// </summary>
    public static (byte Verdict, string Reason) Classify(SocketError error, bool timedOut) =>
        timedOut ? (Filtered, "no-response") : error switch
        {
            SocketError.Success => (Open, "syn-ack"),
            SocketError.ConnectionRefused => (Closed, "conn-refused"),
            SocketError.TimedOut or SocketError.OperationAborted => (Filtered, "no-response"),
            SocketError.HostUnreachable => (Filtered, "host-unreach"),
            SocketError.NetworkUnreachable => (Filtered, "net-unreach"),
            SocketError.AccessDenied => (Filtered, "admin-prohibited"),
            _ => (Pending, error.ToString()),
        };

    public ScanReport Report(TimeSpan elapsed, long probes, int ceiling, int peak, string timing)
    {
        var results = new List<PortResult>();
        var unreachable = new List<ScanTarget>();
        var unlisted = new Dictionary<ScanTarget, int>();
        for (var t = 0; t < _targets.Count; t++)
        {
            // A closed port is an answer: only a target whose every port met an unreachable is unreachable.
            var routed = _closed[t] > 0;
            if (_closed[t] > 0) unlisted[_targets[t]] = _closed[t];
            for (var p = 0; p < _ports.Count; p++)
            {
                var j = (long)p * _targets.Count + t;
                if (_state[j] == Closed && !_listClosed) continue;
                var state = _state[j] switch { Open => PortState.Open, Closed => PortState.Closed, _ => PortState.Filtered };
                var d = _details.TryGetValue(j, out var found) ? found : new Detail("no-response", 0, 0, null);
                if (d.Reason is not ("host-unreach" or "net-unreach")) routed = true;
                results.Add(new PortResult(_targets[t], _ports[p], "tcp", state, d.Reason, d.Tries,
                    d.RttMicros > 0 ? TimeSpan.FromMicroseconds(d.RttMicros) : null)
                {
                    Banner = d.Banner,
                });
            }
            if (!routed && _ports.Count > 0) unreachable.Add(_targets[t]);
        }
        return new ScanReport
        {
            Protocol = "tcp",
            Targets = _targets,
            Failures = [],
            Ports = _ports,
            Results = results,
            UnlistedClosed = unlisted,
            Unreachable = unreachable,
            Elapsed = elapsed,
            Probes = probes,
            ParallelCeiling = ceiling,
            PeakInFlight = peak,
            Timing = timing,
        };
    }
}
