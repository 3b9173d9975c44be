namespace Sock.Core.Scanning;

/// <summary>
/// A host's probe timeout learned from the round-trip times seen, as nmap (and TCP, RFC 6298) computes it:
/// a smoothed RTT and its mean deviation, timeout = srtt + 4 × rttvar, held between the timing's minimum and maximum.
/// The first sample sets srtt to itself and rttvar to itself but at least 5 ms, as nmap does.
/// </summary>
internal sealed class RttEstimator(ScanTiming timing)
{
    private static readonly double MinVarianceMicros = 5_000;
    private readonly Lock _gate = new();
    private double _srtt = -1;
    private double _rttvar = -1;

    /// <summary>The timeout a probe sent now gets.</summary>
    public TimeSpan Timeout { get; private set; } = timing.InitialTimeout;

    /// <summary>How many samples were taken.</summary>
    public int Samples { get; private set; }

    /// <summary>The smoothed round-trip time, once measured.</summary>
    public TimeSpan? SmoothedRtt => _srtt < 0 ? null : TimeSpan.FromMicroseconds(_srtt);

    /// <summary>Takes one round-trip time.</summary>
    public void Add(TimeSpan rtt)
    {
        var delta = Math.Max(rtt.TotalMicroseconds, 1);
        lock (_gate)
        {
            if (_srtt < 0)
            {
                _srtt = delta;
                _rttvar = Math.Clamp(delta, MinVarianceMicros, 2_000_000);
            }
            else
            {
                var d = delta - _srtt;
                _srtt += d / 8;
                _rttvar += (Math.Abs(d) - _rttvar) / 4;
            }
            Samples++;
            var t = TimeSpan.FromMicroseconds(_srtt + 4 * _rttvar);
            Timeout = t < timing.MinTimeout ? timing.MinTimeout : t > timing.MaxTimeout ? timing.MaxTimeout : t;
        }
    }
}
