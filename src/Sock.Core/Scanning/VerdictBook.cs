using System.Net.Sockets;

namespace Sock.Core.Scanning;

/// <summary>
/// The verdicts of a scan in flat arrays indexed by job (port-major, target-minor), so 65,535 ports cost a few
/// hundred kilobytes while the scan runs; the <see cref="PortResult"/> records are made once, at the end.
/// </summary>
internal sealed class VerdictBook
{
    public const byte Pending = 0, Open = 1, Closed = 2, Filtered = 3;

    private readonly IReadOnlyList<ScanTarget> _targets;
    private readonly IReadOnlyList<int> _ports;
    private readonly byte[] _state;
    private readonly byte[] _tries;
    private readonly string?[] _reason;
    private readonly float[] _rttMicros;
    private readonly byte[]?[] _banner;

    public VerdictBook(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, bool banners)
    {
        _targets = targets;
        _ports = ports;
        Total = (long)targets.Count * ports.Count;
        _state = new byte[Total];
        _tries = new byte[Total];
        _reason = new string?[Total];
        _rttMicros = new float[Total];
        _banner = banners ? new byte[]?[Total] : [];
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
        _reason[job] = reason;
        _tries[job] = (byte)Math.Min(tries, byte.MaxValue);
        if (rtt is { } r) _rttMicros[job] = (float)Math.Max(r.TotalMicroseconds, 0.001);
        if (verdict == Open) Interlocked.Increment(ref _openCount);
        Interlocked.Increment(ref _done);
    }

    public void SetBanner(long job, byte[] banner)
    {
        lock (_banner) _banner[job] = banner;
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
        var results = new List<PortResult>((int)Total);
        var unreachable = new List<ScanTarget>();
        for (var t = 0; t < _targets.Count; t++)
        {
            var routed = false;
            for (var p = 0; p < _ports.Count; p++)
            {
                var j = (long)p * _targets.Count + t;
                var state = _state[j] switch { Open => PortState.Open, Closed => PortState.Closed, _ => PortState.Filtered };
                var reason = _reason[j] ?? "no-response";
                if (reason is not ("host-unreach" or "net-unreach")) routed = true;
                results.Add(new PortResult(_targets[t], _ports[p], "tcp", state, reason, _tries[j],
                    _rttMicros[j] > 0 ? TimeSpan.FromMicroseconds(_rttMicros[j]) : null)
                {
                    Banner = _banner.Length > 0 ? _banner[j] : null,
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
            Unreachable = unreachable,
            Elapsed = elapsed,
            Probes = probes,
            ParallelCeiling = ceiling,
            PeakInFlight = peak,
            Timing = timing,
        };
    }
}
