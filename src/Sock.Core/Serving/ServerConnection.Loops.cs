using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sock.Core.Serving;

/// <summary>The two loops that move bytes between the socket and the pipes, and the connection's life from accept to close.</summary>
public sealed partial class ServerConnection
{
    private List<ArraySegment<byte>>? _gather;
    private int _failed;

    /// <summary>True when the connection ended in an error that was not the peer's doing (counted in sock.errors).</summary>
    internal bool Failed => _failed != 0;

    /// <summary>Runs the handler between the receive loop (socket → input) and the send loop (output → socket), then closes.</summary>
    internal async Task RunAsync(ConnectionHandler handler, IServerObserver? observer)
    {
        var epoll = _registration is not null;
        var receiving = epoll ? StartEpollReceive() : ReceiveLoopAsync();
        var sending = epoll ? EpollSendLoopAsync() : SendLoopAsync();
        try
        {
            await handler(this).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested || Stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            SetReason($"handler failed: {ex.Message}");
            _failed = 1;
            observer?.Failed(Service, ex);
        }
        _state = Math.Max(_state, 1);
        // What the handler wrote is sent before the close; the send loop ends when the output is drained.
        await _outputWriter.CompleteAsync().ConfigureAwait(false);
        await sending.ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        // A connection to be reset gets no FIN first: the peer would read it as the end of an answer.
        if (!_closed.IsCancellationRequested && !_resetOnClose)
            _socket.Shutdown(SocketShutdown.Send);
        StopEpollLoops();
        _socket.Dispose();
        await receiving.ConfigureAwait(false);
        SetReason("closed by server");
        _state = 2;
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        try
        {
            var filled = false;
            while (true)
            {
                // An idle connection waits here holding no buffer. After a read that filled its buffer more data is
                // almost surely waiting, so the zero-byte wait (one more system call) is skipped.
                if (_options.WaitForDataBeforeAllocatingBuffer && !filled)
                    await _raw.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                var memory = writer.GetMemory(_options.BlockSize / 2);
                var n = await _raw.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                filled = n == memory.Length;
                if (n == 0)
                {
                    if (_trace is not null) TraceReceive(0);
                    SetReason("closed by peer");
                    break;
                }
                writer.Advance(n);
                _traffic.Received(n);
                if (_trace is not null) TraceReceive(n);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (SocketException ex)
        {
            Note(ex);
        }
        catch (ObjectDisposedException)
        {
        }
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
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
                        ? await _raw.SendAsync(buffer.First, SocketFlags.None).ConfigureAwait(false)
                        : await _raw.SendAsync(Gather(buffer), SocketFlags.None).ConfigureAwait(false);
                    _traffic.Sent(n);
                    if (_trace is not null) TraceSend(n);
                    buffer = buffer.Slice(n);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
        }
        catch (SocketException ex)
        {
            Note(ex);
            // The peer is gone: tell the handler (its next flush sees IsCompleted) and stop reading from it.
            _closed.Cancel();
            try { _raw.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
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

    private void Note(SocketException ex)
    {
        switch (ex.SocketErrorCode)
        {
            case SocketError.OperationAborted or SocketError.Interrupted:
                break; // our own close
            case SocketError.ConnectionReset:
                SetReason("reset by peer");
                break;
            case SocketError.Shutdown or SocketError.ConnectionAborted:
                SetReason("closed by peer");
                break;
            default:
                SetReason($"socket error: {Errors.SocketErrorText.Describe(ex.SocketErrorCode)}");
                _failed = 1;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceReceive(int n) =>
        _trace!.Transfer(Handle, "recv", n, () => n == 0 ? $"recv({Handle}) = 0 (peer closed its side)" : $"recv({Handle}) = {n} bytes");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceSend(int n) => _trace!.Transfer(Handle, "send", n, () => $"send({Handle}) = {n}");
}
