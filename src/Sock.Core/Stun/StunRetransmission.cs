namespace Sock.Core.Stun;

/// <summary>
/// When a STUN client over UDP sends its request again (RFC 8489 §6.2.1): at 0, RTO, 3·RTO, 7·RTO… — the interval
/// doubling each time — Rc times in all, then waits Rm·RTO after the last before giving up. With the RFC's defaults
/// (RTO 500 ms, Rc 7, Rm 16) the sends are at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and the transaction fails at 39.5 s.
/// </summary>
public sealed class StunRetransmission
{
    /// <summary>The RFC's initial RTO.</summary>
    public static readonly TimeSpan DefaultRto = TimeSpan.FromMilliseconds(500);

    /// <summary>The RFC's Rc: how many times the request is sent.</summary>
    public const int DefaultRc = 7;

    /// <summary>The RFC's Rm: how many RTOs to wait after the last send.</summary>
    public const int DefaultRm = 16;

    /// <summary>A schedule with the given parameters (the RFC's by default).</summary>
    public StunRetransmission(TimeSpan? rto = null, int rc = DefaultRc, int rm = DefaultRm)
    {
        Rto = rto ?? DefaultRto;
        if (Rto <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(rto), "RTO must be positive");
        if (rc < 1) throw new ArgumentOutOfRangeException(nameof(rc), "Rc must be at least 1");
        if (rm < 1) throw new ArgumentOutOfRangeException(nameof(rm), "Rm must be at least 1");
        Rc = rc;
        Rm = rm;
    }

    /// <summary>The initial retransmission timeout.</summary>
    public TimeSpan Rto { get; }

    /// <summary>How many times the request is sent.</summary>
    public int Rc { get; }

    /// <summary>The final wait, in RTOs.</summary>
    public int Rm { get; }

    /// <summary>The time of each send, from the first.</summary>
    public IReadOnlyList<TimeSpan> SendTimes
    {
        get
        {
            var times = new TimeSpan[Rc];
            var at = TimeSpan.Zero;
            var interval = Rto;
            for (var i = 0; i < Rc; i++)
            {
                times[i] = at;
                at += interval;
                interval *= 2;
            }
            return times;
        }
    }

    /// <summary>When the transaction is given up, from the first send.</summary>
    public TimeSpan GiveUpAfter => SendTimes[^1] + Rto * Rm;
}
