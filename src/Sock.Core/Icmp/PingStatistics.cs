namespace Sock.Core.Icmp;

/// <summary>
/// One host's counts and round-trip figures, computed exactly as iputils ping does: round trips in whole microseconds,
/// duplicates included in the averages, mdev = floor(sqrt((Σt² − (Σt)²/n) / n)) with iputils' integer steps.
/// </summary>
public sealed class PingStatistics
{
    private long _sum;
    private double _sumSquares;
    private long _min = long.MaxValue;
    private long _max;
    private ulong _ewma8;

    /// <summary>Echo requests sent.</summary>
    public long Transmitted { get; internal set; }

    /// <summary>Distinct replies (duplicates not counted here).</summary>
    public long Received { get; internal set; }

    /// <summary>Replies to a sequence already answered.</summary>
    public long Duplicates { get; internal set; }

    /// <summary>Replies whose checksum did not verify.</summary>
    public long Corrupted { get; internal set; }

    /// <summary>ICMP errors (unreachable, time exceeded) and refused sends.</summary>
    public long Errors { get; internal set; }

    /// <summary>The smallest round trip, µs (0 when nothing came back).</summary>
    public long MinMicros => _min == long.MaxValue ? 0 : _min;

    /// <summary>The largest round trip, µs.</summary>
    public long MaxMicros => _max;

    /// <summary>The mean round trip, µs, as iputils: Σt / (received + duplicates), integer division.</summary>
    public long AvgMicros => Timed == 0 ? 0 : _sum / Timed;

    /// <summary>iputils' mdev, µs.</summary>
    public long MdevMicros
    {
        get
        {
            var total = Timed;
            if (total == 0) return 0;
            long variance;
            // iputils' order of operations, to give the same figure to the microsecond.
            if (_sum < int.MaxValue)
                variance = (long)((_sumSquares - (double)(_sum * _sum / total)) / total);
            else
                variance = (long)(_sumSquares / total) - AvgMicros * AvgMicros;
            return IntegerSqrt(variance);
        }
    }

    /// <summary>ping -f's exponentially weighted moving average of the round trip (weight 1/8), µs.</summary>
    public long EwmaMicros => (long)(_ewma8 / 8);

    /// <summary>Packet loss in percent, (transmitted − received) / transmitted.</summary>
    public double LossPercent => Transmitted == 0 ? 0 : (Transmitted - Received) * 100.0 / Transmitted;

    private long Timed => Received + Duplicates;

    /// <summary>Adds one round trip of <paramref name="micros"/> µs.</summary>
    internal void AddRoundTrip(long micros)
    {
        _sum += micros;
        _sumSquares += (double)(micros * micros);
        if (micros < _min) _min = micros;
        if (micros > _max) _max = micros;
        _ewma8 = _ewma8 == 0 ? (ulong)micros * 8 : (ulong)((long)_ewma8 + micros - (long)(_ewma8 / 8));
    }

    private static long IntegerSqrt(long a)
    {
        // iputils' llsqrt: Newton's method from a down to floor(sqrt(a)).
        long prev = long.MaxValue, x = a;
        if (x > 0)
            while (x < prev)
            {
                prev = x;
                x = (x + a / x) / 2;
            }
        return x;
    }
}
