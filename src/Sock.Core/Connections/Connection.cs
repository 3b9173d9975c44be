using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// One accepted stream connection: the socket, its record and its life from accept to close, over a transport that moves
/// the bytes (.NET's socket engine, or the server's own epoll threads on Linux). A handler sees it one of two ways.
/// Through pipes (a <see cref="ConnectionHandler"/>, for protocols that parse): an <see cref="Input"/> pipe the transport
/// fills from the socket and an <see cref="Output"/> pipe it sends from, both bounded
/// (<see cref="ConnectionOptions.MaxInputBuffer"/>, <see cref="ConnectionOptions.MaxOutputBuffer"/>): a flush that waits is the
/// peer reading slowly, and the handler waits with it instead of buffering; a flush result with <c>IsCompleted</c> set
/// means the peer is gone. Or raw (a <see cref="ReceiveHandler"/>, for services that need no parsing): each receive as a
/// span, answered with <see cref="Send"/>.
/// </summary>
public sealed class Connection : IAsyncDisposable
{
    private readonly TracedSocket _socket;
    private readonly CancellationTokenSource _closed = new();
    private readonly TrafficCounters _traffic = new();
    private readonly string _local;
    private readonly string _remote;
    private readonly IConnectionTransport _engine;
    private Pipe? _input;
    private Pipe? _output;
    private CountingPipeWriter? _outputWriter;
    private IDuplexPipe? _socketPipes;
    private IDuplexPipe? _pipes;
    private string? _closeReason;
    private volatile int _state; // 0 established, 1 closing, 2 closed
    private volatile bool _resetOnClose;
    private int _failed;
    private int _finSent;
    private volatile bool _peerReset;
    private int _inputEnded;
    private CancellationTokenSource? _inputEndedSource; // made only when someone asks for InputEnded

    internal Connection(long id, string service, TracedSocket socket, ConnectionOptions options, MemoryPool<byte> pool, CancellationToken stopping, EpollReactor? reactor)
        : this(id, service, socket, options, pool, stopping, reactor, socket.Socket.LocalEndPoint, socket.Socket.RemoteEndPoint)
    {
    }

    /// <summary>
    /// As the constructor above, with the addresses given: a socket connected outside .NET (on a reactor) is one .NET
    /// reports no addresses for.
    /// </summary>
    internal Connection(long id, string service, TracedSocket socket, ConnectionOptions options, MemoryPool<byte> pool, CancellationToken stopping, EpollReactor? reactor,
        EndPoint? local, EndPoint? remote)
    {
        Id = id;
        Service = service;
        _socket = socket;
        Socket = socket.Socket;
        Trace = socket.Trace;
        Options = options;
        Pool = pool;
        Stopping = stopping;
        Handle = socket.Handle;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        _local = EndpointText.Format(LocalEndPoint);
        _remote = RemoteEndPoint is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "(unnamed)" : EndpointText.Format(RemoteEndPoint);
        // The epoll engine where the server runs one and epoll takes the socket; .NET's engine otherwise.
        _engine = reactor is not null && OperatingSystem.IsLinux() && EpollTransport.TryAttach(this, reactor) is { } epoll ? epoll : new SocketEngineTransport(this);
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
    /// once the handlers after it have returned, and completes its own. Pipes only.
    /// </summary>
    public IDuplexPipe Transport
    {
        get => _pipes ?? throw RawOnly();
        set
        {
            if (_pipes is null) throw RawOnly();
            _pipes = value ?? throw new ArgumentNullException(nameof(value));
        }
    }

    /// <summary>What the peer sent, as it arrives. Completed when the peer shuts down its side or the connection closes. Pipes only.</summary>
    public PipeReader Input => Transport.Input;

    /// <summary>What to send. Write, then flush; the server coalesces what is flushed into as few send() calls as it can. Pipes only.</summary>
    public PipeWriter Output => Transport.Output;

    /// <summary>The longest line a line-based handler should accept (<see cref="ConnectionOptions.MaxLineLength"/>; 0 = no limit).</summary>
    public int MaxLineLength => Options.MaxLineLength;

    /// <summary>Cancelled when the server begins a graceful stop: finish the response in hand and return.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Cancelled when the connection is closed under the handler (peer reset, idle timeout, limit, forced stop).</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>
    /// Cancelled once nothing more will be read from the peer: it shut down its side (end of stream), reset the connection,
    /// or the connection was closed. <see cref="Closed"/> is not cancelled by a peer's end of stream (a half-closed peer may
    /// still read the answer); this is, which is what an HTTP server needs to notice a client that went away (Kestrel's
    /// <c>ConnectionClosed</c>). Its callbacks run on the thread that saw the end: keep them short. Pipes only.
    /// </summary>
    public CancellationToken InputEnded
    {
        get
        {
            if (Volatile.Read(ref _inputEnded) != 0) return new CancellationToken(canceled: true);
            var source = _inputEndedSource;
            if (source is null)
            {
                var made = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _inputEndedSource, made, null) ?? made;
                if (!ReferenceEquals(source, made)) made.Dispose();
            }
            // The end may have come between the first read and the source's publication: EndInput may not have seen it.
            if (Interlocked.CompareExchange(ref _inputEnded, 1, 1) != 0) CancelQuietly(source);
            return source.Token;
        }
    }

    /// <summary>The transport has stopped receiving for good (its input pipe is completed).</summary>
    internal void EndInput()
    {
        if (Interlocked.Exchange(ref _inputEnded, 1) != 0) return;
        if (Volatile.Read(ref _inputEndedSource) is { } source) CancelQuietly(source);
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try { source.Cancel(); } catch (ObjectDisposedException) { } catch (AggregateException) { }
    }

    /// <summary>Why the connection closed, once it has (or is closing).</summary>
    public string? CloseReason => _closeReason;

    /// <summary>Closes the connection now, recording <paramref name="reason"/>; the handler sees its pipes complete.</summary>
    public void Abort(string reason)
    {
        SetReason(reason);
        _state = Math.Max(_state, 1);
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        // Closing the socket fails any receive or send in progress, which ends both loops.
        try { Socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _engine.Stop();
        _socket.Dispose();
    }

    /// <summary>
    /// Closes the connection now with a reset (SO_LINGER 0, no FIN first), recording <paramref name="reason"/>: what a
    /// forwarder does to one leg when the other was reset, so the peer reads a reset, not an end of stream.
    /// </summary>
    internal void Reset(string reason)
    {
        SetReason(reason);
        _resetOnClose = true;
        _state = Math.Max(_state, 1);
        _socket.ResetOnClose();
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        // No shutdown: a shutdown(SHUT_WR) would send a FIN ahead of the RST. Closing with SO_LINGER 0 resets.
        _engine.Stop();
        _socket.Dispose();
    }

    /// <summary>True when the peer reset the connection (ECONNRESET), rather than ending it in order.</summary>
    internal bool PeerReset => _peerReset;

    /// <summary>Makes the close a reset (SO_LINGER 0, no FIN first): a refused peer that has already sent must not read the close as an answer.</summary>
    internal void ResetOnClose()
    {
        _resetOnClose = true;
        _socket.ResetOnClose();
    }

    /// <summary>Records that the handler closes the connection for <paramref name="reason"/>, without forcing it (what was written is still sent).</summary>
    public void SetCloseReason(string reason) => SetReason(reason);

    /// <summary>The connection's socket record as it is now.</summary>
    public SocketRecord Record => _traffic.Record(Id, Handle, Service, Socket.AddressFamily, SocketType.Stream, _local, _remote,
        _state switch { 0 => "ESTAB", 1 => "CLOSING", _ => "CLOSED" }, Options.IdleTimeout, _closeReason);

    /// <summary>
    /// Sends <paramref name="data"/> and flushes. When everything written to <see cref="Output"/> before has been sent,
    /// the bytes go to the socket straight from <paramref name="data"/>'s buffers on the epoll engine — an echo sends from
    /// the very blocks it received into, with no copy, as a C server sends from its read buffer. Otherwise, and for
    /// whatever the socket does not take at once, they are copied into <see cref="Output"/> and flushed, with its
    /// backpressure. Once this returns, <paramref name="data"/> is no longer needed. <c>IsCompleted</c>: the peer is gone.
    /// Pipes only.
    /// </summary>
    public ValueTask<FlushResult> SendAsync(ReadOnlySequence<byte> data)
    {
        if (_outputWriter is null) throw RawOnly();
        return _engine.SendAsync(data);
    }

    /// <summary>
    /// On the raw path (within a <see cref="ReceiveHandler"/>'s callbacks): sends <paramref name="data"/> now, as far as
    /// the socket takes it; the rest is copied and sent as the peer makes room, and until it has gone the connection
    /// receives nothing more and calls no producer (a peer that does not read holds the server to that much). Returns true
    /// when everything went out at once. <paramref name="data"/> is not needed once this returns.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (_outputWriter is not null) throw new InvalidOperationException("this connection runs over pipes: write to Output and flush");
        return _engine.Send(data);
    }

    internal Socket Socket { get; }

    internal SocketTrace? Trace { get; }

    internal ConnectionOptions Options { get; }

    internal MemoryPool<byte> Pool { get; }

    internal Pipe InputPipe => _input!;

    internal Pipe OutputPipe => _output!;

    internal CountingPipeWriter OutputWriter => _outputWriter!;

    /// <summary>True while the handler's pipes are the socket's own (no layer has replaced them).</summary>
    internal bool OnSocketPipes => ReferenceEquals(_pipes, _socketPipes);

    internal long IdleMilliseconds => _traffic.IdleMilliseconds;

    internal TrafficCounters Traffic => _traffic;

    /// <summary>True when the connection ended in an error that was not the peer's doing (counted in sock.errors).</summary>
    internal bool Failed => _failed != 0;

    /// <summary>The task that runs the connection from accept to close.</summary>
    internal Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Runs the connection: a <see cref="ReceiveHandler"/> (recognised from its <see cref="ReceiveHandler.Stream"/>
    /// delegate) on the raw path where it accepts this connection, any other handler between the transport's receive
    /// (socket → input) and send (output → socket) — then closes.
    /// </summary>
    internal async Task RunAsync(ConnectionHandler handler, Action<string, Exception>? failed)
    {
        if (handler.Target is SocketHandler owner)
        {
            // The handler owns the socket until it returns (no engine was attached to it): then it is closed.
            try
            {
                await owner.RunAsync(this, _socket).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                SetReason($"handler failed: {ex.Message}");
                _failed = 1;
                failed?.Invoke(Service, ex);
            }
            _state = Math.Max(_state, 1);
            _socket.Dispose();
            SetReason("closed by server");
            _state = 2;
            return;
        }
        if (handler.Target is ReceiveHandler raw && raw.Accepts(this))
        {
            try
            {
                await _engine.RunRawAsync(raw).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                SetReason($"handler failed: {ex.Message}");
                _failed = 1;
                failed?.Invoke(Service, ex);
            }
            _state = Math.Max(_state, 1);
            if (!_closed.IsCancellationRequested)
                _socket.Shutdown(SocketShutdown.Send);
            _engine.Stop();
            _socket.Dispose();
            SetReason("closed by server");
            _state = 2;
            return;
        }
        // Continuations run inline: the socket's completions already arrive on the thread pool (or an epoll thread), and a
        // second hop per message would cost a work item each time — unless the handler asked for the thread pool.
        var handlerScheduler = Options.HandlerOnThreadPool ? PipeScheduler.ThreadPool : PipeScheduler.Inline;
        _input = new Pipe(new PipeOptions(pool: Pool,
            pauseWriterThreshold: Options.MaxInputBuffer, resumeWriterThreshold: Options.MaxInputBuffer / 2,
            readerScheduler: handlerScheduler, writerScheduler: PipeScheduler.Inline, minimumSegmentSize: Options.BlockSize, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pool: Pool,
            pauseWriterThreshold: Options.MaxOutputBuffer, resumeWriterThreshold: Options.MaxOutputBuffer / 2,
            readerScheduler: Options.HandlerOnThreadPool ? SendQueue.For(Id) : PipeScheduler.Inline, writerScheduler: handlerScheduler, minimumSegmentSize: Options.BlockSize, useSynchronizationContext: false));
        _outputWriter = new CountingPipeWriter(_output.Writer);
        _socketPipes = _pipes = new DuplexPipe(_input.Reader, _outputWriter);
        var receiving = _engine.StartReceiving();
        var sending = _engine.StartSending();
        try
        {
            var handling = handler(this);
            if (handling.IsCompleted)
            {
                await handling.ConfigureAwait(false);
            }
            else
            {
                // A handler that completes its output before it returns has said all it will (a client waiting for the
                // reply to its request, say): the FIN goes now, so a peer that reads to the end of the stream can answer.
                var running = handling.AsTask();
                if (await Task.WhenAny(running, sending).ConfigureAwait(false) == sending && !_closed.IsCancellationRequested)
                    SendFin();
                await running.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested || Stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            SetReason($"handler failed: {ex.Message}");
            _failed = 1;
            failed?.Invoke(Service, ex);
        }
        _state = Math.Max(_state, 1);
        // What the handler wrote is sent before the close; the send loop ends when the output is drained.
        await _outputWriter.CompleteAsync().ConfigureAwait(false);
        await sending.ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        if (!_closed.IsCancellationRequested)
            SendFin();
        _engine.Stop();
        _socket.Dispose();
        await receiving.ConfigureAwait(false);
        SetReason(IsClient ? "closed by client" : "closed by server");
        _state = 2;
    }

    /// <summary>shutdown(SHUT_WR), once.</summary>
    private void SendFin()
    {
        // A connection to be reset gets no FIN first: the peer would read it as the end of an answer.
        if (_resetOnClose || Interlocked.Exchange(ref _finSent, 1) != 0) return;
        try { _socket.Shutdown(SocketShutdown.Send); } catch (ObjectDisposedException) { }
    }

    /// <summary>Made by <see cref="SocketClient"/>: its close is the client's.</summary>
    internal bool IsClient { get; set; }

    /// <summary>
    /// Held by <see cref="SocketClient"/>, or by whoever took a server's connection from a pull-style listener: the
    /// connection runs until <see cref="DisposeAsync"/> releases it.
    /// </summary>
    internal TaskCompletionSource? Release { get; set; }

    /// <summary>How long a client's <see cref="DisposeAsync"/> waits for the peer (<see cref="SocketClientOptions.CloseTimeout"/>).</summary>
    internal TimeSpan CloseTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// A client's connection (<see cref="SocketClient.ConnectAsync(EndPoint, SocketClientOptions?, CancellationToken)"/>):
    /// sends what was written and closes — waiting at most <see cref="SocketClientOptions.CloseTimeout"/>, after which the
    /// connection is aborted (a peer that stopped reading would otherwise hold it for ever). On a connection taken from a
    /// server's pull-style listener (<c>StreamListener.AcceptAsync</c>) the same: what was written is sent, then it closes
    /// (no time limit there: <see cref="Abort"/> is the taker's bound). On a connection a server handed to its handler
    /// this does nothing: the server closes it when its handler returns.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Release is not { } release) return;
        release.TrySetResult();
        if (CloseTimeout != Timeout.InfiniteTimeSpan
            && await Task.WhenAny(Completion, Task.Delay(CloseTimeout)).ConfigureAwait(false) != Completion)
            Abort("the peer did not close within the close timeout");
        await Completion.ConfigureAwait(false);
    }

    /// <summary>A send failed for good: tell the handler (its next flush sees IsCompleted) and stop reading from the peer.</summary>
    internal void PeerGone(SocketError error)
    {
        Note(error);
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        try { Socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
    }

    /// <summary>Records why a socket call ended the connection; an error that was not the peer's doing counts as a failure.</summary>
    internal void Note(SocketError error)
    {
        switch (error)
        {
            case SocketError.OperationAborted or SocketError.Interrupted:
                break; // our own close
            case SocketError.ConnectionReset:
                _peerReset = true;
                SetReason("reset by peer");
                break;
            case SocketError.Shutdown or SocketError.ConnectionAborted:
                SetReason("closed by peer");
                break;
            default:
                SetReason($"socket error: {Errors.SocketErrorText.Describe(error)}");
                _failed = 1;
                break;
        }
    }

    /// <summary>The receive failed in a way no socket error describes (a bug or a handler's exception on the I/O thread).</summary>
    internal void Fail(string reason)
    {
        SetReason(reason);
        _failed = 1;
    }

    internal void SetReason(string reason) => Interlocked.CompareExchange(ref _closeReason, reason, null);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal void TraceReceive(int n) =>
        Trace!.Transfer(Handle, "recv", n, () => n == 0 ? $"recv({Handle}) = 0 (peer closed its side)" : $"recv({Handle}) = {n} bytes");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal void TraceSend(int n) => Trace!.Transfer(Handle, "send", n, () => $"send({Handle}) = {n}");

    private static InvalidOperationException RawOnly() =>
        new("this connection runs on the raw receive path (a ReceiveHandler): it has no pipes");
}
