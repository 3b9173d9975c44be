using System.Buffers;
using System.Threading.Channels;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Transport;

namespace Sock.Core.Netcat;

/// <summary>
/// One client of a keep-open, broker or chat listener: a receive loop that hands what arrives to the hub, and a send
/// loop fed by a bounded queue (a slow client stalls who feeds it instead of growing memory). An idle client holds no
/// buffer: the receive loop waits with a zero-byte read before it rents one.
/// </summary>
internal sealed class ClientSession : IDisposable
{
    private const int QueueLength = 64;
    private const int ReceiveBufferSize = 64 * 1024;
    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueLength)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly SessionRecorder? _recorder;
    private readonly ActivityClock _activity = new();

    public ClientSession(int id, TracedSocket socket, SessionRecorder? recorder = null)
    {
        _recorder = recorder;
        Id = id;
        Socket = socket;
        Peer = EndpointText.Format(socket.Socket.RemoteEndPoint);
    }

    public int Id { get; }

    public TracedSocket Socket { get; }

    public string Peer { get; }

    public long LastActivity => _activity.Last;

    /// <summary>Queues bytes for this client; false when it is gone.</summary>
    public async ValueTask<bool> EnqueueAsync(byte[] data, CancellationToken ct)
    {
        try
        {
            await _outgoing.Writer.WriteAsync(data, ct).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException) { return false; }
    }

    /// <summary>Receives until the client closes, handing each chunk to <paramref name="onData"/>.</summary>
    public async Task ReceiveAsync(Func<ClientSession, ReadOnlyMemory<byte>, ValueTask> onData, CancellationToken ct)
    {
        while (true)
        {
            // Wait for readability without holding a buffer.
            await Socket.Socket.ReceiveAsync(Memory<byte>.Empty, System.Net.Sockets.SocketFlags.None, ct).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
            try
            {
                var n = await Socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) return;
                _activity.Touch();
                _recorder?.Received(buffer.AsSpan(0, n));
                await onData(this, buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Sends what is queued until the queue is completed.</summary>
    public async Task SendAsync(CancellationToken ct)
    {
        var reader = _outgoing.Reader;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (reader.TryRead(out var data))
            {
                var m = data.AsMemory();
                while (!m.IsEmpty)
                {
                    var n = await Socket.SendAsync(m, ct).ConfigureAwait(false);
                    _recorder?.Sent(m.Span[..n]);
                    m = m[n..];
                }
                _activity.Touch();
            }
        }
    }

    /// <summary>No more sends: the send loop drains the queue and stops.</summary>
    public void Complete() => _outgoing.Writer.TryComplete();

    public void Dispose()
    {
        _outgoing.Writer.TryComplete();
        Socket.Dispose();
    }

    /// <summary>Runs both loops; returns when the client is gone. Socket errors end the session, not the server.</summary>
    public async Task<SockException?> RunAsync(Func<ClientSession, ReadOnlyMemory<byte>, ValueTask> onData, TimeSpan? idle, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var send = SendAsync(cts.Token);
        var receive = ReceiveAsync(onData, cts.Token);
        var idleWatch = idle is { } i && i > TimeSpan.Zero ? _activity.WaitIdleAsync(i, cts.Token) : Task.Delay(Timeout.Infinite, cts.Token);
        SockException? error = null;
        try
        {
            var first = await Task.WhenAny(receive, idleWatch, send).ConfigureAwait(false);
            if (first == receive || first == send) await first.ConfigureAwait(false);
            // Flush what is queued before closing (a few milliseconds at most for a live peer).
            Complete();
            await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(1), ct)).ConfigureAwait(false);
        }
        catch (SockException ex) { error = ex; }
        catch (OperationCanceledException) { }
        catch (System.Net.Sockets.SocketException) { }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            Dispose();
            await Task.WhenAll(Quiet(send), Quiet(receive), Quiet(idleWatch)).ConfigureAwait(false);
        }
        return error;
    }


    private static async Task Quiet(Task t)
    {
        try { await t.ConfigureAwait(false); }
        catch (Exception) { /* the session is over; its loops' endings do not matter */ }
    }
}
