using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Serving;

/// <summary>
/// One accepted stream connection, as a handler sees it: an <see cref="Input"/> pipe the server fills from the socket
/// and an <see cref="Output"/> pipe it sends from. Both are bounded (<see cref="ServerOptions.MaxInputBuffer"/>,
/// <see cref="ServerOptions.MaxOutputBuffer"/>): a flush that waits is the peer reading slowly, and the handler waits
/// with it instead of buffering. A flush result with <c>IsCompleted</c> set means the peer is gone.
/// </summary>
public sealed partial class ServerConnection
{
    private readonly TracedSocket _socket;
    private readonly Socket _raw;
    private readonly SocketTrace? _trace;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CountingPipeWriter _outputWriter;
    private readonly IDuplexPipe _socketPipes;
    private IDuplexPipe _transport;
    private readonly ServerOptions _options;
    private readonly CancellationTokenSource _closed = new();
    private readonly TrafficCounters _traffic = new();
    private readonly string _local;
    private readonly string _remote;
    private string? _closeReason;
    private volatile int _state; // 0 established, 1 closing, 2 closed
    private volatile bool _resetOnClose;

    internal ServerConnection(long id, string service, TracedSocket socket, ServerOptions options, MemoryPool<byte> pool, CancellationToken stopping)
    {
        Id = id;
        Service = service;
        _socket = socket;
        _raw = socket.Socket;
        _trace = socket.Trace;
        _options = options;
        Stopping = stopping;
        Handle = socket.Handle;
        LocalEndPoint = _raw.LocalEndPoint;
        RemoteEndPoint = _raw.RemoteEndPoint;
        _local = EndpointText.Format(LocalEndPoint);
        _remote = RemoteEndPoint is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "(unnamed)" : EndpointText.Format(RemoteEndPoint);
        // Continuations run inline: the socket's completions already arrive on the thread pool, and a second hop per
        // message would cost a work item each time.
        _input = new Pipe(new PipeOptions(pool: pool,
            pauseWriterThreshold: options.MaxInputBuffer, resumeWriterThreshold: options.MaxInputBuffer / 2,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, minimumSegmentSize: options.BlockSize, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pool: pool,
            pauseWriterThreshold: options.MaxOutputBuffer, resumeWriterThreshold: options.MaxOutputBuffer / 2,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, minimumSegmentSize: options.BlockSize, useSynchronizationContext: false));
        _outputWriter = new CountingPipeWriter(_output.Writer);
        _socketPipes = new DuplexPipe(_input.Reader, _outputWriter);
        _transport = _socketPipes;
    }

    /// <summary>The server's number for this connection.</summary>
    public long Id { get; }

    /// <summary>The operating system's handle (file descriptor).</summary>
    public long Handle { get; }

    /// <summary>The name of the service (listener) that accepted it.</summary>
    public string Service { get; }

    /// <summary>The local address (the listener's, on every accepted connection).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The peer's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>
    /// The pair of pipes <see cref="Input"/> and <see cref="Output"/> stand for: at first the socket's own, filled from and
    /// sent to the socket. A layer (TLS, say) reads and writes the pipes it finds here and puts its own pair in their
    /// place for the handlers after it, as Kestrel's <c>ConnectionContext.Transport</c>; it restores the pair it found
    /// once the handlers after it have returned, and completes its own.
    /// </summary>
    public IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>What the peer sent, as it arrives. Completed when the peer shuts down its side or the connection closes.</summary>
    public PipeReader Input => _transport.Input;

    /// <summary>What to send. Write, then flush; the server coalesces what is flushed into as few send() calls as it can.</summary>
    public PipeWriter Output => _transport.Output;

    /// <summary>True while the handler's pipes are the socket's own (no layer has replaced them).</summary>
    private bool OnSocketPipes => ReferenceEquals(_transport, _socketPipes);

    /// <summary>The longest line a line-based handler should accept (<see cref="ServerOptions.MaxLineLength"/>; 0 = no limit).</summary>
    public int MaxLineLength => _options.MaxLineLength;

    /// <summary>Cancelled when the server begins a graceful stop: finish the response in hand and return.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Cancelled when the connection is closed under the handler (peer reset, idle timeout, limit, forced stop).</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Why the connection closed, once it has (or is closing).</summary>
    public string? CloseReason => _closeReason;

    /// <summary>Closes the connection now, recording <paramref name="reason"/>; the handler sees its pipes complete.</summary>
    public void Abort(string reason)
    {
        SetReason(reason);
        _state = Math.Max(_state, 1);
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        // Closing the socket fails any receive or send in progress, which ends both loops.
        try { _raw.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        StopEpollLoops();
        _socket.Dispose();
    }

    /// <summary>Makes the close a reset (SO_LINGER 0): a refused peer that has already sent must not read the close as an answer.</summary>
    internal void ResetOnClose()
    {
        _resetOnClose = true;
        _socket.ResetOnClose();
    }

    /// <summary>Records that the handler closes the connection for <paramref name="reason"/>, without forcing it (what was written is still sent).</summary>
    public void SetCloseReason(string reason) => SetReason(reason);

    /// <summary>The connection's socket record as it is now.</summary>
    public SocketRecord Record => _traffic.Record(Id, Handle, Service, _raw.AddressFamily, SocketType.Stream, _local, _remote,
        _state switch { 0 => "ESTAB", 1 => "CLOSING", _ => "CLOSED" }, _options.IdleTimeout, _closeReason);

    internal long IdleMilliseconds => _traffic.IdleMilliseconds;

    internal TrafficCounters Traffic => _traffic;

    /// <summary>The task that runs the connection from accept to close.</summary>
    internal Task Completion { get; set; } = Task.CompletedTask;

    private void SetReason(string reason) => Interlocked.CompareExchange(ref _closeReason, reason, null);
}
