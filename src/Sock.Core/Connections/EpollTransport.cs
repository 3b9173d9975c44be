using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Connections;

/// <summary>
/// A connection over the server's own epoll threads (<see cref="EpollReactor"/>, Linux): the same pipes and the same
/// rules as over .NET's socket engine, with the system calls made straight on the descriptor when an edge says they can
/// succeed, and the handler run on the epoll thread that saw the edge. The raw path (EpollTransport.Raw.cs) runs a
/// <see cref="ReceiveHandler"/> right in the edge, as a C epoll server runs its callback.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class EpollTransport : IConnectionTransport, IEpollSocket
{
    private const int MaxGather = 16;
    private readonly Connection _connection;
    private readonly Socket _socket;
    private readonly Readiness _writable = new();
    private EpollReactor.Registration? _registration;
    private volatile bool _loopsStopping;
    private volatile bool _inputEnding;
    private long _sentFromOutput;
    private bool _watchingOutput; // the send loop's own (the raw pump's, on the raw path)

    private EpollTransport(Connection connection)
    {
        _connection = connection;
        _socket = connection.Socket;
    }

    /// <summary>Puts <paramref name="connection"/> on <paramref name="reactor"/>; null when epoll refuses it (it then runs on .NET's engine).</summary>
    public static EpollTransport? TryAttach(Connection connection, EpollReactor reactor)
    {
        var transport = new EpollTransport(connection);
        connection.Socket.Blocking = false;
        transport._registration = reactor.Register(connection.Socket.SafeHandle.DangerousGetHandle(), transport);
        if (transport._registration is not null) return transport;
        connection.Socket.Blocking = true;
        return null;
    }

    void IEpollSocket.OnEvents(uint events)
    {
        // An error or hang-up wakes both sides: each finds out with its next call.
        if ((events & (Epoll.RdHup | Epoll.Err | Epoll.Hup)) != 0)
            _inputEnding = true;
        if (_receiver is not null)
        {
            // The raw path has one pump for both directions: any edge may let it go on.
            OnInputEdge();
            return;
        }
        if ((events & (Epoll.In | Epoll.RdHup | Epoll.Err | Epoll.Hup)) != 0)
            OnInputEdge();
        if ((events & (Epoll.Out | Epoll.Err | Epoll.Hup)) != 0)
            _writable.Set();
    }

    /// <summary>Ends both epoll loops at their next wait, whatever the socket does (the descriptor is about to close).</summary>
    public void Stop()
    {
        if (_registration is null) return;
        _loopsStopping = true;
        _registration.Remove();
        OnInputEdge();
        _writable.Set();
    }

    public Task StartReceiving() => StartEpollReceive();

    public Task StartSending() => EpollSendLoopAsync();

    // The receive side is driven by the edges themselves, not by a loop awaiting them: the epoll thread that sees an input
    // edge receives and flushes right there (the handler runs inline within the flush), and only a flush that has to wait
    // (backpressure) parks the receive until the handler has taken data. A busy connection thus costs no async
    // resumption per message on the way in.
    private const int ReceiveNotStarted = 0, ReceiveIdle = 1, ReceiveBusy = 2, ReceiveDone = 3;
    private int _receiveState; // who may call recv: nobody yet, whoever sees the next edge, the one thread pumping, nobody ever again
    private int _inputEdge; // an edge (or a stop) arrived that the pumping thread has not yet acted on
    private TaskCompletionSource? _received;
    private ValueTask<FlushResult> _pendingFlush;
    private bool _pendingShortRead;
    private Action? _resumeAfterFlush;

    /// <summary>Starts receiving: from now on every input edge is acted on. Completes when the input pipe is completed.</summary>
    private Task StartEpollReceive()
    {
        _received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // An edge that came before now is acted on; otherwise no buffer is taken until one comes (an idle connection holds none).
        if (StayBusy()) Pump();
        return _received.Task;
    }

    /// <summary>An input edge, or a stop: pumps on this thread unless another thread is pumping (it then goes round once more).</summary>
    private void OnInputEdge()
    {
        Interlocked.Exchange(ref _inputEdge, 1);
        if (Interlocked.CompareExchange(ref _receiveState, ReceiveBusy, ReceiveIdle) != ReceiveIdle) return;
        if (_receiver is not null) RawPump();
        else Pump();
    }

    /// <summary>Receives and flushes until the socket is empty, the input ends, or a flush has to wait. Called only by the thread that set the state to busy.</summary>
    private void Pump()
    {
        var writer = _connection.InputPipe.Writer;
        try
        {
            do
            {
                Volatile.Write(ref _inputEdge, 0);
                if (_loopsStopping) goto done;
                while (true)
                {
                    var memory = writer.GetMemory(_connection.Options.BlockSize / 2);
                    var n = ReceiveOnce(memory.Span);
                    if (n == -Errno.EAGAIN)
                    {
                        writer.Advance(0);
                        break;
                    }
                    if (n < 0)
                    {
                        _connection.Note(Errno.ToSocketError(-n));
                        goto done;
                    }
                    if (n == 0)
                    {
                        if (_connection.Trace is not null) _connection.TraceReceive(0);
                        _connection.SetReason("closed by peer");
                        goto done;
                    }
                    writer.Advance(n);
                    _connection.Traffic.Received(n);
                    if (_connection.Trace is not null) _connection.TraceReceive(n);
                    var flush = writer.FlushAsync();
                    if (!flush.IsCompleted)
                    {
                        // The handler has not taken what is buffered yet (backpressure): carry on once it has, on its thread.
                        _pendingFlush = flush;
                        _pendingShortRead = n < memory.Length;
                        flush.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_resumeAfterFlush ??= ResumeAfterFlush);
                        return;
                    }
                    var next = AfterFlush(flush.Result, n < memory.Length);
                    if (next == Next.Stop) goto done;
                    if (next == Next.Edge) break;
                }
            }
            while (StayBusy());
            return;
        }
        catch (ObjectDisposedException)
        {
            // Closed under us (abort, stop).
        }
        catch (Exception ex)
        {
            _connection.Fail($"receive failed: {ex.Message}");
        }
    done:
        FinishReceive();
    }

    private enum Next { Stop, Edge, Receive }

    /// <summary>
    /// What follows a flush that went through. A short read emptied the socket, and every byte that arrives after it raises
    /// a new edge (reading on to EAGAIN would cost a system call per message). Not so the peer's FIN: it may have come with
    /// the edge that brought this data and raises no other, so once epoll has said so, read on to the 0.
    /// </summary>
    private Next AfterFlush(FlushResult flush, bool shortRead) =>
        flush.IsCompleted || flush.IsCanceled || _loopsStopping ? Next.Stop
        : shortRead && !_inputEnding ? Next.Edge
        : Next.Receive;

    /// <summary>
    /// Hands receiving back to the next edge; true when this thread must go on instead, because an edge (or a stop) came
    /// while it was busy. The exchange's fence orders the state's write before the edge's read, as OnInputEdge orders its two.
    /// </summary>
    private bool StayBusy()
    {
        Interlocked.Exchange(ref _receiveState, ReceiveIdle);
        return Volatile.Read(ref _inputEdge) != 0
            && Interlocked.CompareExchange(ref _receiveState, ReceiveBusy, ReceiveIdle) == ReceiveIdle;
    }

    /// <summary>A parked flush went through (the handler took data, or left): receive on, wait for an edge, or finish.</summary>
    private void ResumeAfterFlush()
    {
        Next next;
        try
        {
            next = AfterFlush(_pendingFlush.GetAwaiter().GetResult(), _pendingShortRead);
        }
        catch (Exception)
        {
            next = Next.Stop;
        }
        _pendingFlush = default;
        if (next == Next.Stop) FinishReceive();
        else if (next == Next.Receive || StayBusy()) Pump();
    }

    private void FinishReceive()
    {
        Volatile.Write(ref _receiveState, ReceiveDone);
        _connection.InputPipe.Writer.Complete();
        _connection.EndInput();
        _received!.TrySetResult();
    }

    private async Task EpollSendLoopAsync()
    {
        var reader = _connection.OutputPipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                if (result.IsCanceled) break;
                // Everything flushed so far goes out together: one send, or one sendmsg across segments.
                while (!buffer.IsEmpty)
                {
                    if (_loopsStopping) goto done;
                    var n = SendOnce(buffer);
                    if (n == -Errno.EAGAIN)
                    {
                        // The peer's window is full: wait for the edge that says it has room (backpressure).
                        if (!_watchingOutput)
                        {
                            _watchingOutput = true;
                            WatchOutput();
                        }
                        await _writable.WaitAsync();
                        continue;
                    }
                    if (n < 0) throw new SocketCallException(n);
                    _connection.Traffic.Sent(n);
                    if (_connection.Trace is not null) _connection.TraceSend(n);
                    Volatile.Write(ref _sentFromOutput, _sentFromOutput + n);
                    buffer = buffer.Slice(n);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
        done:;
        }
        catch (SocketCallException ex)
        {
            _connection.PeerGone(Errno.ToSocketError(-ex.Error));
        }
        catch (ObjectDisposedException)
        {
        }
        await reader.CompleteAsync();
    }

    /// <summary>Sends from <paramref name="data"/>'s own buffers when the output pipe has nothing unsent; through the pipe otherwise.</summary>
    public ValueTask<FlushResult> SendAsync(ReadOnlySequence<byte> data)
    {
        // Nothing of Output's is unsent (the handler is Output's only writer, so no more can appear meanwhile) and the
        // send loop has nothing to send: this thread may use the socket.
        var socketOutput = _connection.OutputWriter;
        if (!_loopsStopping && _connection.OnSocketPipes && socketOutput.UnflushedBytes == 0
            && socketOutput.Written == Volatile.Read(ref _sentFromOutput))
        {
            while (!data.IsEmpty)
            {
                int n;
                try
                {
                    n = SendOnce(data);
                }
                catch (ObjectDisposedException)
                {
                    return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
                }
                if (n == -Errno.EAGAIN) break;
                if (n < 0)
                {
                    _connection.PeerGone(Errno.ToSocketError(-n));
                    return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
                }
                _connection.Traffic.Sent(n);
                if (_connection.Trace is not null) _connection.TraceSend(n);
                data = data.Slice(n);
            }
            if (data.IsEmpty) return default;
        }
        // A layer's pipes in place (TLS): the bytes are the layer's to transform, so they go through its Output.
        var output = _connection.Output;
        foreach (var segment in data) output.Write(segment.Span);
        return output.FlushAsync();
    }

    private void WatchOutput()
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            _registration!.WatchOutput(handle.DangerousGetHandle());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    // Each call holds a reference to the descriptor, so a close cannot hand its number to another socket mid-call.

    private int ReceiveOnce(Span<byte> buffer)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return SocketCalls.Receive(handle.DangerousGetHandle(), buffer);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private int SendOnce(in ReadOnlySequence<byte> data)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = handle.DangerousGetHandle();
            return data.IsSingleSegment ? SocketCalls.Send(fd, data.FirstSpan) : SendGather(fd, data);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    [ThreadStatic] private static MemoryHandle[]? GatherHandles;

    private static unsafe int SendGather(nint fd, ReadOnlySequence<byte> buffer)
    {
        var vectors = stackalloc SocketCalls.IoVector[MaxGather];
        var handles = GatherHandles ??= new MemoryHandle[MaxGather];
        var count = 0;
        try
        {
            foreach (var segment in buffer)
            {
                if (count == MaxGather) break;
                if (segment.IsEmpty) continue;
                handles[count] = segment.Pin();
                vectors[count] = new SocketCalls.IoVector { Base = (byte*)handles[count].Pointer, Length = (nuint)segment.Length };
                count++;
            }
            return SocketCalls.SendGather(fd, vectors, count);
        }
        finally
        {
            for (var i = 0; i < count; i++) handles[i].Dispose();
        }
    }

    /// <summary>A failed call on the descriptor, as minus errno.</summary>
    private sealed class SocketCallException(int error) : Exception
    {
        public int Error { get; } = error;
    }
}
