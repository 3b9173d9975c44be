namespace Sock.Core.Connections;

/// <summary>
/// A socket's record as the socket model describes it, taken at one moment: which socket (id, OS handle), what kind
/// (type, family, protocol), between which addresses, in what state, how much went through it, and its timeouts.
/// Listening and datagram sockets have records too (state LISTEN or UNCONN, as ss shows them).
/// </summary>
public sealed record SocketRecord
{
    /// <summary>The server's own number for this socket, unique while the server runs.</summary>
    public required long Id { get; init; }

    /// <summary>The operating system's handle: the file descriptor on Unix.</summary>
    public required long Handle { get; init; }

    /// <summary>The name of the service (listener) this socket belongs to.</summary>
    public required string Service { get; init; }

    /// <summary>"stream" or "datagram".</summary>
    public required string Type { get; init; }

    /// <summary>"inet", "inet6" or "unix".</summary>
    public required string Family { get; init; }

    /// <summary>"tcp", "udp", "unix" (Unix stream) or "unixgram" (Unix datagram).</summary>
    public required string Protocol { get; init; }

    /// <summary>The local address, as 127.0.0.1:7, [::1]:7 or a socket path.</summary>
    public required string Local { get; init; }

    /// <summary>The peer's address; "*" for listening and datagram sockets.</summary>
    public required string Remote { get; init; }

    /// <summary>LISTEN, UNCONN (a datagram socket), ESTAB (ss's and `sock stat`'s word), CLOSING (flushing what is left) or CLOSED.</summary>
    public required string State { get; init; }

    /// <summary>Bytes received.</summary>
    public required long BytesIn { get; init; }

    /// <summary>Bytes sent.</summary>
    public required long BytesOut { get; init; }

    /// <summary>recv() calls that brought data (stream) or datagrams received.</summary>
    public required long MessagesIn { get; init; }

    /// <summary>send() calls (stream) or datagrams sent.</summary>
    public required long MessagesOut { get; init; }

    /// <summary>When the socket was opened (accepted, or bound for listeners).</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>When bytes last went in or out.</summary>
    public required DateTimeOffset LastActivity { get; init; }

    /// <summary>The idle timeout that applies to this socket, if any.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Why the socket closed ("closed by peer", "idle timeout", "line longer than 1024 bytes"…), once it has.</summary>
    public string? CloseReason { get; init; }
}
