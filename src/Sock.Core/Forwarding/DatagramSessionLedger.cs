using System.Net;
using Sock.Core.Errors;

namespace Sock.Core.Forwarding;

/// <summary>
/// The bookkeeping both UDP forwarders keep the same way, whatever their target: whether a new client address may open a
/// session (the access list, the session limit), the refusals counted and said, the bytes of the sessions already
/// closed, and the idle sweep that ends a session after <see cref="ForwardOptions.UdpIdleTimeout"/> without a datagram.
/// </summary>
internal sealed class DatagramSessionLedger(ForwardOptions options, ForwardObserver? observer)
{
    private long _refused;
    private long _closedToTarget;
    private long _closedToClient;

    public long Refused => Interlocked.Read(ref _refused);

    public long ClosedToTarget => Interlocked.Read(ref _closedToTarget);

    public long ClosedToClient => Interlocked.Read(ref _closedToClient);

    /// <summary>Why an idle session ends, in the connection log's words.</summary>
    public string IdleReason => $"idle timeout ({Durations.Format(options.UdpIdleTimeout)})";

    /// <summary>Whether <paramref name="client"/> may open a session while <paramref name="open"/> are open; a refusal is counted and said.</summary>
    public bool Admit(EndPoint client, int open)
    {
        if (options.Admission?.Invoke(client) is { } refusal)
        {
            Refuse(client, refusal);
            return false;
        }
        if (options.MaxSessions > 0 && open >= options.MaxSessions)
        {
            Refuse(client, $"session limit ({options.MaxSessions}) reached");
            return false;
        }
        return true;
    }

    /// <summary>Counts a client's datagrams refused for <paramref name="reason"/> and says so.</summary>
    public void Refuse(EndPoint client, string reason)
    {
        CountRefused();
        observer?.Dropped(client, reason);
    }

    /// <summary>Counts a refusal the caller words itself (a target that could not be opened).</summary>
    public void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Keeps the byte counts of a session that has closed, for the totals.</summary>
    public void Closed(ForwardSession session)
    {
        Interlocked.Add(ref _closedToTarget, session.BytesToTarget);
        Interlocked.Add(ref _closedToClient, session.BytesToClient);
    }

    /// <summary>
    /// Calls <paramref name="sweep"/> with the idle limit in milliseconds a few times per limit (every quarter of it,
    /// between 50 ms and 1 s), so a session ends at most a quarter late.
    /// </summary>
    public Timer StartIdleSweep(Action<long> sweep)
    {
        var limit = (long)options.UdpIdleTimeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.UdpIdleTimeout.TotalMilliseconds / 4, 50, 1000));
        return new Timer(_ => sweep(limit), null, period, period);
    }
}
