using Sock.Core.Connections;

namespace Sock.Core.Serving;

/// <summary>
/// The limits and buffer sizes of a <see cref="SocketServer"/>. Every property has a named default; the defaults are
/// Kestrel's where Kestrel has one. What each accepted connection needs is its <see cref="Connection"/> options, which the
/// connection-level properties here (buffers, block size, line limit, idle timeout) read and write.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The options every connection this server accepts runs with.</summary>
    public ConnectionOptions Connection { get; } = new();

    /// <summary>Default listen backlog (Kestrel's): 512, the one every sock server uses (<see cref="Sockets.SocketBinder.DefaultBacklog"/>).</summary>
    public const int DefaultBacklog = Sockets.SocketBinder.DefaultBacklog;

    /// <summary>Default bound of a connection's input buffer (Kestrel's max request buffer): 1 MiB.</summary>
    public const int DefaultMaxInputBuffer = ConnectionOptions.DefaultMaxInputBuffer;

    /// <summary>Default bound of a connection's output buffer (Kestrel's max response buffer): 64 KiB.</summary>
    public const int DefaultMaxOutputBuffer = ConnectionOptions.DefaultMaxOutputBuffer;

    /// <summary>Default time a graceful stop waits for connections to finish: 5 s.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most connections open at once; a connection beyond it is accepted and closed at once (counted as rejected).
    /// 0: no limit of its own. On Linux the server also stops short of the process's open-file limit (ulimit -n), keeping
    /// a reserve of descriptors for the runtime. Default 0.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>A connection with no bytes in or out for this long is closed ("idle timeout"). Null: never. Default null.</summary>
    public TimeSpan? IdleTimeout { get => Connection.IdleTimeout; set => Connection.IdleTimeout = value; }

    /// <summary>
    /// Longest line (or message) a line-based handler accepts, in bytes, newline excluded; longer input closes that
    /// connection with a reason. Datagrams longer than this are dropped. 0: no limit for streams, 65,507 for datagrams. Default 0.
    /// </summary>
    public int MaxLineLength { get => Connection.MaxLineLength; set => Connection.MaxLineLength = value; }

    /// <summary>
    /// SO_REUSEPORT on every listening socket, so several servers can share a port (the kernel spreads clients over
    /// them). Default false: a port already in use is an error naming its holder.
    /// </summary>
    public bool ReusePort { get; set; }

    /// <summary>listen() backlog. Default <see cref="DefaultBacklog"/>.</summary>
    public int Backlog { get; set; } = DefaultBacklog;

    /// <summary>
    /// Bytes received but not yet consumed by the handler before the server stops reading from that peer
    /// (TCP flow control then slows the peer down). Default <see cref="DefaultMaxInputBuffer"/>.
    /// </summary>
    public int MaxInputBuffer { get => Connection.MaxInputBuffer; set => Connection.MaxInputBuffer = value; }

    /// <summary>
    /// Bytes written by the handler but not yet sent before the handler's flush waits (backpressure from a slow reader).
    /// Default <see cref="DefaultMaxOutputBuffer"/>.
    /// </summary>
    public int MaxOutputBuffer { get => Connection.MaxOutputBuffer; set => Connection.MaxOutputBuffer = value; }

    /// <summary>How long a graceful stop lets open connections finish before closing them. Default <see cref="DefaultDrainTimeout"/>.</summary>
    public TimeSpan DrainTimeout { get; set; } = DefaultDrainTimeout;

    /// <summary>
    /// Default size of the pooled blocks a connection receives into and buffers output in: 64 KiB. Kestrel uses 4 KiB;
    /// the echo benchmark on loopback moved 2–4 times more bytes with 64 KiB (fewer recv/send calls), and idle
    /// connections hold no block either way.
    /// </summary>
    public const int DefaultBlockSize = ConnectionOptions.DefaultBlockSize;

    /// <summary>
    /// Size of the pooled blocks each connection's pipes are made of; a receive asks for at most one block. Larger blocks
    /// mean fewer recv() calls under bulk load and more memory per busy connection (idle ones hold none).
    /// Default <see cref="DefaultBlockSize"/>.
    /// </summary>
    public int BlockSize { get => Connection.BlockSize; set => Connection.BlockSize = value; }

    /// <summary>Default number of free blocks the server keeps for reuse: 256 (16 MiB of 64 KiB blocks).</summary>
    public const int DefaultMaxRetainedBlocks = 256;

    /// <summary>
    /// Free blocks kept for reuse when connections give them back; beyond this they are left to the GC, so a burst of
    /// busy connections does not pin its peak memory for ever. Default <see cref="DefaultMaxRetainedBlocks"/>.
    /// </summary>
    public int MaxRetainedBlocks { get; set; } = DefaultMaxRetainedBlocks;

    /// <summary>
    /// Threads of the server's own epoll transport (Linux x86-64 and arm64): each waits on its connections' readiness and runs
    /// their receive, handler and send right there, with no hand-off to the thread pool. A handler therefore must not
    /// block (await instead, or move blocking work to <see cref="Task.Run(Action)"/>). 0: use .NET's socket engine and
    /// the thread pool, the path on every other system. Default <see cref="DefaultIoThreads"/>.
    /// </summary>
    public int IoThreads { get; set; } = DefaultIoThreads;

    /// <summary>
    /// Default epoll threads: half the processors, at least one. The other half is left to the thread pool (handlers that
    /// move work off the I/O thread), to the clients and to the rest of the machine; on 2 cores one thread served 50
    /// ping-pong connections at ~90% of a C epoll server, where two threads reached ~60% (bench/RESULTS.md).
    /// </summary>
    public static int DefaultIoThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Default <see cref="IoSpin"/>: 100 µs.</summary>
    public static readonly TimeSpan DefaultIoSpin = TimeSpan.FromMicroseconds(100);

    /// <summary>
    /// How long an epoll thread keeps polling after its last event before it sleeps. A peer that answers within it is
    /// served without a sleeping thread's wake-up latency (tens of microseconds on a virtual machine): one request at a
    /// time on one connection goes about twice as fast. Costs that much CPU after each burst; zero sleeps at once.
    /// Default <see cref="DefaultIoSpin"/>.
    /// </summary>
    public TimeSpan IoSpin { get; set; } = DefaultIoSpin;

    /// <summary>
    /// Read each UDP socket on a thread of its own with a blocking recvfrom, and run the handler and its reply right
    /// there, as snmpd's and inetd's loops do: a request costs no hand-off to the thread pool and no spinning worker after
    /// it, which is most of the CPU of a small request/response (an SNMP agent). The handler should not wait long: it
    /// holds up that socket's next datagram (a handler that does not complete at once is waited for on the thread).
    /// Unix datagram sockets keep .NET's engine either way: their replies must never wait for a slow peer. Default false:
    /// .NET's socket engine and the thread pool.
    /// </summary>
    public bool DatagramThreads { get; set; }

    /// <summary>TCP_NODELAY on accepted TCP connections (sends are already coalesced by the output pipe). Default true.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// Wait for data with a zero-byte receive before taking a buffer from the pool, so an idle connection holds no
    /// buffer (Kestrel's WaitForDataBeforeAllocatingBuffer). Default true.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get => Connection.WaitForDataBeforeAllocatingBuffer; set => Connection.WaitForDataBeforeAllocatingBuffer = value; }
}
