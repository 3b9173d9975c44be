using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Sock.Core.Sockets;

namespace Sock.Core.Serving;

/// <summary>
/// The receive and send loops over the server's own epoll threads (<see cref="EpollReactor"/>, Linux): the same pipes
/// and the same rules as the loops over .NET's socket engine, with the system calls made straight on the descriptor when
/// an edge says they can succeed, and the handler run on the epoll thread that saw the edge.
/// </summary>
public sealed partial class ServerConnection : IEpollSocket
{
    private const int MaxGather = 16;
    private readonly Readiness _writable = new();
    private EpollReactor.Registration? _registration;
    private volatile bool _loopsStopping;
    private volatile bool _inputEnding;
    private long _sentFromOutput;
    private bool _watchingOutput; // the send loop's own

    /// <summary>Puts the connection on <paramref name="reactor"/>; false when epoll refuses it (it then runs on .NET's engine).</summary>
    internal bool Attach(EpollReactor reactor)
    {
        _raw.Blocking = false;
        _registration = reactor.Register(_raw.SafeHandle.DangerousGetHandle(), this);
        return _registration is not null;
    }

    void IEpollSocket.OnEvents(uint events)
    {
        // An error or hang-up wakes both sides: each finds out with its next call.
        if ((events & (LinuxSocketCalls.EpollRdHup | LinuxSocketCalls.EpollErr | LinuxSocketCalls.EpollHup)) != 0)
            _inputEnding = true;
        if ((events & (LinuxSocketCalls.EpollIn | LinuxSocketCalls.EpollRdHup | LinuxSocketCalls.EpollErr | LinuxSocketCalls.EpollHup)) != 0)
            OnInputEdge();
        if ((events & (LinuxSocketCalls.EpollOut | LinuxSocketCalls.EpollErr | LinuxSocketCalls.EpollHup)) != 0)
            _writable.Set();
    }

    /// <summary>Ends both epoll loops at their next wait, whatever the socket does (the descriptor is about to close).</summary>
    private void StopEpollLoops()
    {
        if (_registration is null) return;
        _loopsStopping = true;
        _registration.Remove();
        OnInputEdge();
        _writable.Set();
    }

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
        if (Interlocked.CompareExchange(ref _receiveState, ReceiveBusy, ReceiveIdle) == ReceiveIdle) Pump();
    }

    /// <summary>Receives and flushes until the socket is empty, the input ends, or a flush has to wait. Called only by the thread that set the state to busy.</summary>
    private void Pump()
    {
        var writer = _input.Writer;
        try
        {
            do
            {
                Volatile.Write(ref _inputEdge, 0);
                if (_loopsStopping) goto done;
                while (true)
                {
                    var memory = writer.GetMemory(_options.BlockSize / 2);
                    var n = ReceiveOnce(memory.Span);
                    if (n == -LinuxSocketCalls.EAGAIN)
                    {
                        writer.Advance(0);
                        break;
                    }
                    if (n < 0)
                    {
                        Note(n);
                        goto done;
                    }
                    if (n == 0)
                    {
                        if (_trace is not null) TraceReceive(0);
                        SetReason("closed by peer");
                        goto done;
                    }
                    writer.Advance(n);
                    _traffic.Received(n);
                    if (_trace is not null) TraceReceive(n);
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
            SetReason($"receive failed: {ex.Message}");
            _failed = 1;
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
        _input.Writer.Complete();
        _received!.TrySetResult();
    }

    private async Task EpollSendLoopAsync()
    {
        var reader = _output.Reader;
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
                    if (n == -LinuxSocketCalls.EAGAIN)
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
                    _traffic.Sent(n);
                    if (_trace is not null) TraceSend(n);
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
            PeerGone(ex.Error);
        }
        catch (ObjectDisposedException)
        {
        }
        await reader.CompleteAsync();
    }

    /// <summary>
    /// Sends <paramref name="data"/> and flushes. When everything written to <see cref="Output"/> before has been sent,
    /// the bytes go to the socket straight from <paramref name="data"/>'s buffers — an echo sends from the very blocks
    /// it received into, with no copy, as a C server sends from its read buffer. Otherwise, and for whatever the socket
    /// does not take at once, they are copied into <see cref="Output"/> and flushed, with its backpressure. Once this
    /// returns, <paramref name="data"/> is no longer needed. <c>IsCompleted</c>: the peer is gone.
    /// </summary>
    public ValueTask<FlushResult> SendAsync(ReadOnlySequence<byte> data)
    {
        // Nothing of Output's is unsent (the handler is Output's only writer, so no more can appear meanwhile) and the
        // send loop has nothing to send: this thread may use the socket.
        if (_registration is not null && !_loopsStopping && OnSocketPipes && _outputWriter.UnflushedBytes == 0
            && _outputWriter.Written == Volatile.Read(ref _sentFromOutput))
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
                if (n == -LinuxSocketCalls.EAGAIN) break;
                if (n < 0)
                {
                    PeerGone(n);
                    return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
                }
                _traffic.Sent(n);
                if (_trace is not null) TraceSend(n);
                data = data.Slice(n);
            }
            if (data.IsEmpty) return default;
        }
        // A layer's pipes in place (TLS): the bytes are the layer's to transform, so they go through its Output.
        var output = Output;
        foreach (var segment in data) output.Write(segment.Span);
        return output.FlushAsync();
    }

    /// <summary>A send failed for good: tell the handler (its next flush sees IsCompleted) and stop reading from the peer.</summary>
    private void PeerGone(int negativeErrno)
    {
        Note(negativeErrno);
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        try { _raw.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
    }

    private void WatchOutput()
    {
        var handle = _raw.SafeHandle;
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
        var handle = _raw.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return LinuxSocketCalls.Receive(handle.DangerousGetHandle(), buffer);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private int SendOnce(in ReadOnlySequence<byte> data)
    {
        var handle = _raw.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = handle.DangerousGetHandle();
            return data.IsSingleSegment ? LinuxSocketCalls.Send(fd, data.FirstSpan) : SendGather(fd, data);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    [ThreadStatic] private static MemoryHandle[]? GatherHandles;

    private static unsafe int SendGather(nint fd, ReadOnlySequence<byte> buffer)
    {
        var vectors = stackalloc LinuxSocketCalls.IoVector[MaxGather];
        var handles = GatherHandles ??= new MemoryHandle[MaxGather];
        var count = 0;
        try
        {
            foreach (var segment in buffer)
            {
                if (count == MaxGather) break;
                if (segment.IsEmpty) continue;
                handles[count] = segment.Pin();
                vectors[count] = new LinuxSocketCalls.IoVector { Base = (byte*)handles[count].Pointer, Length = (nuint)segment.Length };
                count++;
            }
            return LinuxSocketCalls.SendGather(fd, vectors, count);
        }
        finally
        {
            for (var i = 0; i < count; i++) handles[i].Dispose();
        }
    }

    private void Note(int negativeErrno) => Note(new SocketException((int)(-negativeErrno switch
    {
        32 => SocketError.Shutdown, // EPIPE: the peer closed, as .NET maps it
        104 => SocketError.ConnectionReset,
        103 => SocketError.ConnectionAborted,
        107 => SocketError.NotConnected,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        9 => SocketError.OperationAborted, // EBADF: our own close
        _ => SocketError.SocketError,
    })));

    /// <summary>A failed call on the descriptor, as minus errno.</summary>
    private sealed class SocketCallException(int error) : Exception
    {
        public int Error { get; } = error;
    }
}
