namespace Sock.Core.Inspection;

/// <summary>
/// A socket's memory as the kernel accounts it (SK_MEMINFO in linux/sock_diag.h), the figures ss -m prints as
/// skmem:(r,rb,t,tb,f,w,o,bl,d). Bytes, except <see cref="Drops"/>.
/// </summary>
public sealed record SocketMemory
{
    /// <summary>r: memory holding received data not yet read.</summary>
    public long ReceiveAllocated { get; init; }

    /// <summary>rb: the receive buffer's size (SO_RCVBUF as the kernel sets it).</summary>
    public long ReceiveBuffer { get; init; }

    /// <summary>t: memory holding sent data in transmission (not yet freed by the device or the peer's ACK).</summary>
    public long SendAllocated { get; init; }

    /// <summary>tb: the send buffer's size (SO_SNDBUF as the kernel sets it).</summary>
    public long SendBuffer { get; init; }

    /// <summary>f: memory allocated ahead for the socket and not used yet.</summary>
    public long ForwardAllocated { get; init; }

    /// <summary>w: memory holding data queued to send (written, not yet sent or acknowledged).</summary>
    public long SendQueued { get; init; }

    /// <summary>o: memory for socket options and other ancillary state.</summary>
    public long OptionMemory { get; init; }

    /// <summary>bl: memory of packets on the backlog while the socket was locked; null when the kernel does not say.</summary>
    public long? Backlog { get; init; }

    /// <summary>d: packets dropped before they reached the socket; null when the kernel does not say.</summary>
    public long? Drops { get; init; }
}
