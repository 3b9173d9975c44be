using System.Buffers;
using System.Net;

namespace Sock.Core.Forwarding;

/// <summary>
/// What a forwarder reports, for a log or a dump: each session opened and closed, each client refused, and — only when
/// <see cref="ObservesData"/> — the bytes relayed. Every method does nothing unless overridden. Called on the relay's
/// threads: keep it quick (a slow observer slows the relay, which then back-pressures the peers; memory stays bounded).
/// </summary>
public abstract class ForwardObserver
{
    /// <summary>A session is open: its client accepted and its target leg connected.</summary>
    public virtual void Opened(ForwardSession session)
    {
    }

    /// <summary>A session has ended, both ways; <see cref="ForwardSession.CloseReason"/> says why.</summary>
    public virtual void Closed(ForwardSession session)
    {
    }

    /// <summary>
    /// A client was turned away before any session: <paramref name="client"/> (its address, or "-") and why — the access
    /// list, the connection limit, a TLS handshake that failed, its target that could not be reached (then with a session
    /// number: <paramref name="session"/>, else null).
    /// </summary>
    public virtual void Refused(string client, string reason, ForwardSession? session)
    {
    }

    /// <summary>True to be shown the relayed bytes (<see cref="Data"/>); false (the default) keeps the relay free of the cost.</summary>
    public virtual bool ObservesData => false;

    /// <summary>
    /// <paramref name="data"/> was relayed <paramref name="direction"/> in <paramref name="session"/>; valid only during the
    /// call. Called in order per direction; the two directions may interleave.
    /// </summary>
    public virtual void Data(ForwardSession session, ForwardDirection direction, ReadOnlySequence<byte> data)
    {
    }

    /// <summary>A connection attempt to the target failed and will be retried after <paramref name="delay"/> (<c>--retry</c>).</summary>
    public virtual void Retrying(ForwardClient client, string target, string reason, int attempt, TimeSpan delay)
    {
    }

    /// <summary>A datagram was dropped: <paramref name="client"/> and why (session limit, target unreachable).</summary>
    public virtual void Dropped(EndPoint? client, string reason)
    {
    }
}
