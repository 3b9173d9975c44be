using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sock.Core.Connections;

/// <summary>
/// A connection over .NET's socket engine (the path on every system, and on Linux with <c>IoThreads = 0</c>): two loops
/// over the pipes, Kestrel's shape — receive (socket → input) and send (output → socket) — or, on the raw path, one
/// receive loop that hands each receive to the handler and sends its answer before receiving again.
/// </summary>
internal sealed class SocketEngineTransport(Connection connection) : IConnectionTransport
{
    private readonly Socket _socket = connection.Socket;
    private List<ArraySegment<byte>>? _gather;
    // The raw path's answer not yet sent (this engine has no non-blocking send to try first: the answer is copied here
    // and sent with one awaited send), and the gate that keeps a producer's sends and the receive loop's apart.
    private byte[]? _pending;
    private int _pendingLength;
    private SemaphoreSlim? _sendGate;

    public Task StartReceiving() => ReceiveLoopAsync();

    public Task StartSending() => SendLoopAsync();

    public ValueTask<FlushResult> SendAsync(ReadOnlySequence<byte> data)
    {
        // The handler's Output: the socket's own pipe, or a layer's (TLS) that transforms the bytes on their way.
        var output = connection.Output;
        foreach (var segment in data) output.Write(segment.Span);
        return output.FlushAsync();
    }

    public void Stop()
    {
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = connection.InputPipe.Writer;
        var options = connection.Options;
        try
        {
            var filled = false;
            while (true)
            {
                // An idle connection waits here holding no buffer. After a read that filled its buffer more data is
                // almost surely waiting, so the zero-byte wait (one more system call) is skipped.
                if (options.WaitForDataBeforeAllocatingBuffer && !filled)
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                var memory = writer.GetMemory(options.BlockSize / 2);
                var n = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                filled = n == memory.Length;
                if (n == 0)
                {
                    if (connection.Trace is not null) connection.TraceReceive(0);
                    connection.SetReason("closed by peer");
                    break;
                }
                writer.Advance(n);
                connection.Traffic.Received(n);
                if (connection.Trace is not null) connection.TraceReceive(n);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (SocketException ex)
        {
            connection.Note(ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
        await writer.CompleteAsync().ConfigureAwait(false);
        connection.EndInput();
    }

    private async Task SendLoopAsync()
    {
        var reader = connection.OutputPipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled) break;
                // Everything flushed so far goes out together: one send (a gather send across segments).
                while (!buffer.IsEmpty)
                {
                    var n = buffer.IsSingleSegment
                        ? await _socket.SendAsync(buffer.First, SocketFlags.None).ConfigureAwait(false)
                        : await _socket.SendAsync(Gather(buffer), SocketFlags.None).ConfigureAwait(false);
                    connection.Traffic.Sent(n);
                    if (connection.Trace is not null) connection.TraceSend(n);
                    buffer = buffer.Slice(n);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
        }
        catch (SocketException ex)
        {
            // The peer is gone: tell the handler (its next flush sees IsCompleted) and stop reading from it.
            connection.PeerGone(ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private List<ArraySegment<byte>> Gather(in ReadOnlySequence<byte> buffer)
    {
        var list = _gather ??= new List<ArraySegment<byte>>(8);
        list.Clear();
        foreach (var memory in buffer)
        {
            if (!MemoryMarshal.TryGetArray(memory, out var segment))
                segment = new ArraySegment<byte>(memory.ToArray());
            list.Add(segment);
        }
        return list;
    }

    public bool Send(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return _pendingLength == 0;
        if (_pending is null || _pending.Length - _pendingLength < data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_pendingLength + data.Length, connection.Options.BlockSize));
            if (_pending is not null)
            {
                _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
            }
            _pending = bigger;
        }
        data.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += data.Length;
        // Sent by the loop once the callback returns: never "at once" on this engine.
        return false;
    }

    public async Task RunRawAsync(ReceiveHandler handler)
    {
        if (handler.Produces) _sendGate = new SemaphoreSlim(1, 1);
        try
        {
            handler.OnStarted(connection);
            if (!await DrainAsync().ConfigureAwait(false)) return;
            if (!handler.Produces)
            {
                await RawReceiveLoopAsync(handler).ConfigureAwait(false);
                return;
            }
            // A producer sends on its own; input is still read (and handed over) so a peer's close or reset is seen. The
            // producer ends the connection; the input ending does not.
            var receiving = RawReceiveLoopAsync(handler);
            await ProduceLoopAsync(handler).ConfigureAwait(false);
            try { _socket.Shutdown(SocketShutdown.Receive); } catch (SocketException) { } catch (ObjectDisposedException) { }
            await receiving.ConfigureAwait(false);
        }
        finally
        {
            if (_pending is not null) ArrayPool<byte>.Shared.Return(_pending);
            if (_answer is not null) ArrayPool<byte>.Shared.Return(_answer);
            _pending = _answer = null;
            _pendingLength = 0;
        }
    }

    private async Task ProduceLoopAsync(ReceiveHandler handler)
    {
        while (!connection.Closed.IsCancellationRequested)
        {
            await _sendGate!.WaitAsync().ConfigureAwait(false);
            try
            {
                var more = handler.Produce(connection);
                if (!await DrainAsync().ConfigureAwait(false)) return;
                if (!more)
                {
                    connection.SetReason("closed by server");
                    return;
                }
            }
            finally
            {
                _sendGate.Release();
            }
        }
    }

    private async Task RawReceiveLoopAsync(ReceiveHandler handler)
    {
        var options = connection.Options;
        try
        {
            var filled = false;
            while (true)
            {
                if (options.WaitForDataBeforeAllocatingBuffer && !filled)
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                using var block = connection.Pool.Rent(options.BlockSize);
                var memory = block.Memory;
                var n = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                filled = n == memory.Length;
                if (n == 0)
                {
                    if (connection.Trace is not null) connection.TraceReceive(0);
                    connection.SetReason("closed by peer");
                    return;
                }
                connection.Traffic.Received(n);
                if (connection.Trace is not null) connection.TraceReceive(n);
                if (_sendGate is null)
                {
                    // One answer may be on its way while the next receive is taken (receive and send overlap, as the
                    // pipe loops do); the handler answers again only once it has gone, so a peer that does not read
                    // stops this loop here, holding one answer and one receive.
                    if (_answering && !await FinishAnswerAsync().ConfigureAwait(false)) return;
                    handler.OnReceived(connection, memory.Span[..n]);
                    if (_pendingLength > 0) StartAnswer();
                    continue;
                }
                await _sendGate.WaitAsync().ConfigureAwait(false);
                try
                {
                    handler.OnReceived(connection, memory.Span[..n]);
                    if (!await DrainAsync().ConfigureAwait(false)) return;
                }
                finally
                {
                    _sendGate.Release();
                }
            }
        }
        catch (SocketException ex)
        {
            connection.Note(ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            // What was answered last still goes out (a half-close is answered in full).
            if (_answering) await FinishAnswerAsync().ConfigureAwait(false);
        }
    }

    private byte[]? _answer; // the answer on its way (the handler writes the next into _pending meanwhile)
    private ValueTask<bool> _answerSend;
    private bool _answering;

    private void StartAnswer()
    {
        var buffer = _pending!;
        var length = _pendingLength;
        _pending = _answer;
        _pendingLength = 0;
        _answer = buffer;
        _answerSend = SendAllAsync(buffer, length);
        _answering = true;
    }

    private ValueTask<bool> FinishAnswerAsync()
    {
        _answering = false;
        return _answerSend;
    }

    /// <summary>Sends <paramref name="length"/> bytes of <paramref name="buffer"/>; false when the peer is gone.</summary>
    private async ValueTask<bool> SendAllAsync(byte[] buffer, int length)
    {
        var sent = 0;
        try
        {
            while (sent < length)
            {
                var n = await _socket.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                connection.Traffic.Sent(n);
                if (connection.Trace is not null) connection.TraceSend(n);
                sent += n;
            }
            return true;
        }
        catch (SocketException ex)
        {
            connection.PeerGone(ex.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Sends what the handler left pending; false when the peer is gone.</summary>
    private async ValueTask<bool> DrainAsync()
    {
        try
        {
            return _pending is null || await SendAllAsync(_pending, _pendingLength).ConfigureAwait(false);
        }
        finally
        {
            _pendingLength = 0;
        }
    }
}
