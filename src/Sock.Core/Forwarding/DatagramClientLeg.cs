using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Sock.Core.Connections;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// One UDP client of a shared listening socket as a leg (socat's <c>UDP-LISTEN:P,fork TCP:…</c>, <c>…,fork EXEC:…</c>):
/// the listener's receive loop hands it the datagrams from its client address (<see cref="Deliver"/>), which become
/// this side's input; each flush of what the relay writes goes back to that address from the listening socket, as one
/// datagram (<see cref="DatagramWrites"/>). UDP has no end of stream: an empty datagram ends the
/// input (as in socat), and the end of stream towards the client sends nothing. With <c>oneDatagram</c> the first
/// datagram is all the input there is (socat's UDP-RECVFROM with fork: a session per datagram).
/// </summary>
internal sealed class DatagramClientLeg : ForwardLeg
{
    private readonly TracedSocket _socket;
    private readonly EndPoint _client;
    private readonly bool _oneDatagram;
    private readonly int _maxQueued;
    private readonly Pipe _in = new();
    private readonly Pipe _out = new();
    // The receive loop serves every client: it never waits for one. What this client sent waits here, bounded in bytes.
    private readonly Channel<byte[]> _arrivals = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _feeding;
    private readonly Task _sending;
    private long _queued;
    private long _lastTicks = Environment.TickCount64;

    /// <param name="socket">The listening socket, which answers go out of (shared; not this leg's to close).</param>
    /// <param name="client">The client's address.</param>
    /// <param name="oneDatagram">The first datagram delivered is the whole input.</param>
    /// <param name="maxQueued">Bytes received and not yet taken by the relay beyond which a datagram is dropped.</param>
    public DatagramClientLeg(TracedSocket socket, EndPoint client, bool oneDatagram, int maxQueued)
    {
        _socket = socket;
        _client = client;
        _oneDatagram = oneDatagram;
        _maxQueued = maxQueued;
        Description = Endpoints.EndpointText.Format(client);
        Transport = new DuplexPipe(_in.Reader, _out.Writer);
        _feeding = Task.Run(FeedAsync);
        _sending = Task.Run(() => DatagramWrites.SendAsync(_out.Reader, _socket, _client, Touch, _stop.Token));
    }

    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; }

    /// <inheritdoc/>
    public override string Description { get; }

    /// <summary>Milliseconds since a datagram came from the client or went to it.</summary>
    public long IdleMilliseconds => Environment.TickCount64 - Volatile.Read(ref _lastTicks);

    /// <summary>
    /// A datagram from the client, taken without waiting: false when it is dropped — the input has ended, or more than
    /// the bound is waiting for the relay (the target does not keep up; UDP loses what a receiver cannot take).
    /// </summary>
    public bool Deliver(ReadOnlySpan<byte> datagram)
    {
        Touch();
        if (datagram.IsEmpty) return _arrivals.Writer.TryComplete();
        if (Interlocked.Read(ref _queued) + datagram.Length > _maxQueued) return false;
        if (!_arrivals.Writer.TryWrite(datagram.ToArray())) return false;
        Interlocked.Add(ref _queued, datagram.Length);
        if (_oneDatagram) _arrivals.Writer.TryComplete();
        return true;
    }

    private void Touch() => Volatile.Write(ref _lastTicks, Environment.TickCount64);

    private async Task FeedAsync()
    {
        var writer = _in.Writer;
        try
        {
            await foreach (var datagram in _arrivals.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                var flush = await writer.WriteAsync(datagram, _stop.Token).ConfigureAwait(false);
                Interlocked.Add(ref _queued, -datagram.Length);
                if (flush.IsCompleted) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override void Abort(string reason, bool reset)
    {
        _arrivals.Writer.TryComplete();
        try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        try { _in.Reader.CancelPendingRead(); } catch (InvalidOperationException) { }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        _arrivals.Writer.TryComplete();
        // What the relay wrote last (a program's answer just before its end) goes out first: the relay's end of stream
        // towards this side ends the send loop once it is sent. An aborted leg's loop has ended already.
        try { await _sending.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (TimeoutException) { }
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_feeding, _sending).ConfigureAwait(false);
        _stop.Dispose();
    }
}
