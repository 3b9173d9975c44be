using System.Buffers;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Connections;

/// <summary>
/// The raw path on the epoll engine: the thread that sees an edge receives into its own buffer, hands the bytes to the
/// <see cref="ReceiveHandler"/> and sends its answer with one send() — the receive, the handler and the send of a message
/// on one thread, with no pipe, no task and no copy, as a C epoll server does. What the socket does not take is kept and
/// receiving stops until it has gone (a peer that does not read holds the connection to one answer).
/// </summary>
internal sealed partial class EpollTransport
{
    // Sends a producer makes in one go before it lets the thread serve its other connections.
    private const int ProduceBurst = 16;

    // The receive buffer belongs to the thread, not the connection: a handler is done with the bytes when its callback
    // returns (what it did not send at once it copied), so an idle or a waiting connection holds no buffer at all.
    [ThreadStatic] private static byte[]? t_receiveBuffer;

    private ReceiveHandler? _receiver;
    private bool _started; // the raw pump's own, as are the fields below
    private bool _inputEnded;
    private bool _produceDone;
    private bool _sendFailed;
    private byte[]? _pending;
    private int _pendingStart;
    private int _pendingEnd;

    public Task RunRawAsync(ReceiveHandler handler)
    {
        _received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver = handler;
        // The first round runs here (OnStarted, a producer's first piece, and what arrived before now), then on edges.
        Interlocked.Exchange(ref _inputEdge, 1);
        if (StayBusy()) RawPump();
        return _received.Task;
    }

    public bool Send(ReadOnlySpan<byte> data)
    {
        if (_sendFailed) return false;
        if (_pendingEnd > _pendingStart)
        {
            Keep(data);
            return false;
        }
        while (!data.IsEmpty)
        {
            int n;
            try
            {
                n = SendSpan(data);
            }
            catch (ObjectDisposedException)
            {
                _sendFailed = true;
                return false;
            }
            if (n == -Errno.EAGAIN) break;
            if (n < 0)
            {
                _sendFailed = true;
                _connection.PeerGone(Errno.ToSocketError(-n));
                return false;
            }
            _connection.Traffic.Sent(n);
            if (_connection.Trace is not null) _connection.TraceSend(n);
            data = data[n..];
        }
        if (data.IsEmpty) return true;
        Keep(data);
        return false;
    }

    /// <summary>Copies what the socket did not take, to be sent when the peer makes room.</summary>
    private void Keep(ReadOnlySpan<byte> data)
    {
        var held = _pendingEnd - _pendingStart;
        if (_pending is null || _pending.Length - _pendingEnd < data.Length)
        {
            var buffer = _pending is not null && _pending.Length - held >= data.Length
                ? _pending
                : ArrayPool<byte>.Shared.Rent(Math.Max(held + data.Length, 16 * 1024));
            if (held > 0) _pending.AsSpan(_pendingStart, held).CopyTo(buffer);
            if (!ReferenceEquals(buffer, _pending) && _pending is not null) ArrayPool<byte>.Shared.Return(_pending);
            _pending = buffer;
            _pendingStart = 0;
            _pendingEnd = held;
        }
        data.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += data.Length;
    }

    /// <summary>Sends what is kept; false when the socket is full (an output edge is asked for) or the peer is gone.</summary>
    private bool SendKept()
    {
        while (_pendingEnd > _pendingStart)
        {
            var n = SendSpan(_pending.AsSpan(_pendingStart, _pendingEnd - _pendingStart));
            if (n == -Errno.EAGAIN)
            {
                if (!_watchingOutput)
                {
                    _watchingOutput = true;
                    WatchOutput();
                }
                return false;
            }
            if (n < 0)
            {
                _sendFailed = true;
                _connection.PeerGone(Errno.ToSocketError(-n));
                return false;
            }
            _connection.Traffic.Sent(n);
            if (_connection.Trace is not null) _connection.TraceSend(n);
            _pendingStart += n;
        }
        ArrayPool<byte>.Shared.Return(_pending!);
        _pending = null;
        _pendingStart = _pendingEnd = 0;
        if (_watchingOutput)
        {
            // Room again: stop the output edges, or every ACK would wake the thread for nothing.
            _watchingOutput = false;
            UnwatchOutput();
        }
        return true;
    }

    /// <summary>
    /// One pass over the connection: send what is kept, let a producer send, receive and answer until the socket is empty
    /// or an answer has to wait. Called only by the thread that set the state to busy; goes round again for edges that
    /// came meanwhile.
    /// </summary>
    private void RawPump()
    {
        var handler = _receiver!;
        try
        {
            do
            {
                Volatile.Write(ref _inputEdge, 0);
                if (!_started)
                {
                    _started = true;
                    handler.OnStarted(_connection);
                }
                if (Round(handler)) goto done;
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
            _connection.Fail($"handler failed: {ex.Message}");
        }
    done:
        FinishRaw();
    }

    /// <summary>One round of <see cref="RawPump"/>; true when the connection is done.</summary>
    private bool Round(ReceiveHandler handler)
    {
        var buffer = t_receiveBuffer;
        // A whole block per receive, as a C server reads 64 KiB at a time: nothing else shares this buffer.
        var size = _connection.Options.BlockSize;
        if (buffer is null || buffer.Length < size) t_receiveBuffer = buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        while (true)
        {
            if (_loopsStopping || _sendFailed) return true;
            if (_pendingEnd > _pendingStart && !SendKept()) return _sendFailed;
            if (handler.Produces && !_produceDone)
            {
                for (var i = 0; i < ProduceBurst && _pendingEnd == _pendingStart && !_sendFailed; i++)
                {
                    if (!handler.Produce(_connection))
                    {
                        _produceDone = true;
                        _connection.SetReason("closed by server");
                        break;
                    }
                }
                if (_sendFailed) return true;
                if (_pendingEnd > _pendingStart) continue; // sends what is kept, or waits for room
                // A whole burst went out at once: ask for an output edge (the socket reports it has room at once) so
                // the thread serves its other connections before this one sends again.
                if (!_produceDone) WatchOutput();
            }
            if (!_inputEnded)
            {
                var n = ReceiveOnce(buffer.AsSpan(0, size));
                if (n == -Errno.EAGAIN) return Ended(handler);
                if (n < 0)
                {
                    _connection.Note(Errno.ToSocketError(-n));
                    return true;
                }
                if (n == 0)
                {
                    if (_connection.Trace is not null) _connection.TraceReceive(0);
                    _connection.SetReason("closed by peer");
                    _inputEnded = true;
                    return Ended(handler);
                }
                _connection.Traffic.Received(n);
                if (_connection.Trace is not null) _connection.TraceReceive(n);
                handler.OnReceived(_connection, buffer.AsSpan(0, n));
                if (_pendingEnd > _pendingStart) continue; // the answer waits for room: receive nothing more till then
                // A short read emptied the socket, and what arrives after it raises a new edge; the peer's FIN may not
                // (it can come with the edge that brought this data), so once epoll has said so, read on to the 0.
                if (n < size && !_inputEnding) return Ended(handler);
                continue;
            }
            return Ended(handler);
        }
    }

    /// <summary>Done once nothing is kept and neither the input nor a producer can bring more.</summary>
    private bool Ended(ReceiveHandler handler) =>
        _pendingEnd == _pendingStart && (handler.Produces ? _produceDone : _inputEnded);

    private void FinishRaw()
    {
        Volatile.Write(ref _receiveState, ReceiveDone);
        if (_pending is not null) ArrayPool<byte>.Shared.Return(_pending);
        _pending = null;
        _pendingStart = _pendingEnd = 0;
        _received!.TrySetResult();
    }

    private int SendSpan(ReadOnlySpan<byte> data)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return SocketCalls.Send(handle.DangerousGetHandle(), data);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private void UnwatchOutput()
    {
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            _registration!.WatchInputOnly(handle.DangerousGetHandle());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
