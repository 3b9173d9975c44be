namespace Sock.Core.Connections;

/// <summary>
/// What one <see cref="Connection"/> needs to know, whichever side made it: its buffer bounds, the size of the blocks it
/// receives into, the line limit its handler honours, its idle timeout. A server's options (<c>ServerOptions</c>) carry
/// one for every connection they accept; a client makes one from its own options. Every property has a named default.
/// </summary>
public sealed class ConnectionOptions
{
    /// <summary>Default bound of a connection's input buffer (Kestrel's max request buffer): 1 MiB.</summary>
    public const int DefaultMaxInputBuffer = 1024 * 1024;

    /// <summary>Default bound of a connection's output buffer (Kestrel's max response buffer): 64 KiB.</summary>
    public const int DefaultMaxOutputBuffer = 64 * 1024;

    /// <summary>
    /// Default size of the pooled blocks a connection receives into and buffers output in: 64 KiB. Kestrel uses 4 KiB;
    /// the echo benchmark on loopback moved 2–4 times more bytes with 64 KiB (fewer recv/send calls), and idle
    /// connections hold no block either way.
    /// </summary>
    public const int DefaultBlockSize = 64 * 1024;

    /// <summary>
    /// Bytes received but not yet consumed by the handler before the connection stops reading from its peer
    /// (TCP flow control then slows the peer down). Default <see cref="DefaultMaxInputBuffer"/>.
    /// </summary>
    public int MaxInputBuffer { get; set; } = DefaultMaxInputBuffer;

    /// <summary>
    /// Bytes written by the handler but not yet sent before the handler's flush waits (backpressure from a slow reader).
    /// Default <see cref="DefaultMaxOutputBuffer"/>.
    /// </summary>
    public int MaxOutputBuffer { get; set; } = DefaultMaxOutputBuffer;

    /// <summary>
    /// Size of the pooled blocks the connection's pipes are made of; a receive asks for at most one block. Larger blocks
    /// mean fewer recv() calls under bulk load and more memory per busy connection (idle ones hold none).
    /// Default <see cref="DefaultBlockSize"/>.
    /// </summary>
    public int BlockSize { get; set; } = DefaultBlockSize;

    /// <summary>
    /// Longest line (or message) a line-based handler accepts, in bytes, newline excluded; longer input closes the
    /// connection with a reason. 0: no limit. Default 0.
    /// </summary>
    public int MaxLineLength { get; set; }

    /// <summary>No bytes in or out for this long closes the connection ("idle timeout"). Null: never. Default null.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>
    /// Resume the handler on the thread pool after each read (and after a flush that waited), instead of on the thread that
    /// received — the epoll thread, or the socket engine's completion. Inline (false) costs no hand-off per message but
    /// runs the handler on the I/O thread, which it must then never block, and which serves every other connection of
    /// that thread meanwhile; the thread pool (true) is what Kestrel's own transport does, for applications that may block
    /// or work long per message (an HTTP application), and spreads them over every core. Default false.
    /// </summary>
    public bool HandlerOnThreadPool { get; set; }

    /// <summary>
    /// Wait for data with a zero-byte receive before taking a buffer from the pool, so an idle connection holds no
    /// buffer (Kestrel's WaitForDataBeforeAllocatingBuffer). Default true.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;
}
