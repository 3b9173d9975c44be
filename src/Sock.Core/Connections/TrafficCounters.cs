using System.Net.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// Bytes and messages through one socket, and when it last moved. Each direction has a single writer (its loop), so
/// plain fields suffice; readers may see a value one update old.
/// </summary>
internal sealed class TrafficCounters
{
    public long BytesIn;
    public long BytesOut;
    public long MessagesIn;
    public long MessagesOut;
    private long _lastActivityTicks = Environment.TickCount64;

    public DateTimeOffset OpenedAt { get; } = DateTimeOffset.Now;

    private readonly long _openedTicks = Environment.TickCount64;

    public void Received(int bytes)
    {
        BytesIn += bytes;
        MessagesIn++;
        Volatile.Write(ref _lastActivityTicks, Environment.TickCount64);
    }

    public void Sent(int bytes)
    {
        BytesOut += bytes;
        MessagesOut++;
        Volatile.Write(ref _lastActivityTicks, Environment.TickCount64);
    }

    /// <summary>Milliseconds since bytes last moved.</summary>
    public long IdleMilliseconds => Environment.TickCount64 - Volatile.Read(ref _lastActivityTicks);

    public DateTimeOffset LastActivity => OpenedAt.AddMilliseconds(Volatile.Read(ref _lastActivityTicks) - _openedTicks);

    /// <summary>The record of the socket these counters belong to, with its traffic as it is now.</summary>
    public SocketRecord Record(long id, long handle, string service, AddressFamily family, SocketType type, string local,
        string remote, string state, TimeSpan? idleTimeout = null, string? closeReason = null) => new()
    {
        Id = id,
        Handle = handle,
        Service = service,
        Type = type == SocketType.Dgram ? "datagram" : "stream",
        Family = SocketNames.Family(family),
        Protocol = SocketNames.Protocol(family, type),
        Local = local,
        Remote = remote,
        State = state,
        BytesIn = BytesIn,
        BytesOut = BytesOut,
        MessagesIn = MessagesIn,
        MessagesOut = MessagesOut,
        OpenedAt = OpenedAt,
        LastActivity = LastActivity,
        IdleTimeout = idleTimeout,
        CloseReason = closeReason,
    };
}
