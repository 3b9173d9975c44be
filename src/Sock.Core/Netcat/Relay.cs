using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// Joins one connected socket to an input and an output stream (stdin and stdout, or a program's): both directions at
/// once, binary-safe, with pooled buffers and no per-byte work unless -C asks for it. One loop for both kinds of socket;
/// what differs is the pump (<see cref="RelayChannel"/>) and what the ends mean.
/// <para>
/// Over a stream socket (TCP, Unix, or a TLS session over either): at input EOF the write side is shut down (SHUT_WR)
/// unless --no-shutdown, and the relay keeps reading until the peer closes or -q runs out. When the peer closes, the
/// output is closed at once and the relay ends as soon as the input is done or idle: no CLOSE_WAIT.
/// </para>
/// <para>
/// Over a connected datagram socket (UDP, Unix datagram): each read from the input is one datagram, each datagram
/// received is written out. There is no end of stream: at input EOF replies need time, so -q quits that long after EOF,
/// -i when nothing moved for that long, and with neither it quits once no datagram has arrived for
/// <see cref="NetcatOptions.UdpLingerAfterEof"/>; an ICMP "port unreachable" ends it with an error.
/// </para>
/// Memory is bounded: a slow side stalls the other (backpressure), nothing is buffered beyond one buffer per direction.
/// </summary>
internal sealed class Relay
{
    private readonly RelayChannel _channel;
    private readonly Stream? _input;
    private readonly Stream? _output;
    private readonly NetcatOptions _options;
    private readonly SessionRecorder? _recorder;
    private long _sent;
    private long _received;
    private readonly ActivityClock _activity = new();

    /// <summary>
    /// A relay for <paramref name="socket"/> (stream or connected datagram), or with <paramref name="tls"/> (--ssl, a
    /// stream socket) for the TLS session over it: the relay then reads and writes through the session, and at input EOF
    /// sends close_notify before shutting the socket's write side. A null <paramref name="input"/> sends nothing (and never shuts down); a null <paramref name="output"/>
    /// reads and drops what arrives. The relay disposes <paramref name="output"/> at the peer's end of stream, or when it
    /// ends, so that whoever reads it sees the end then.
    /// </summary>
    public Relay(TracedSocket socket, Stream? input, Stream? output, NetcatOptions options, SessionRecorder? recorder,
        SslStream? tls = null)
    {
        _channel = RelayChannel.For(socket, tls, options);
        _input = input;
        _output = output;
        _options = options;
        _recorder = recorder;
    }

    /// <summary>
    /// When true (running a program over a stream socket), the peer's close only closes the output; the relay goes on
    /// until the input ends.
    /// </summary>
    public bool FinishInputAfterPeerClose { get; init; }

    /// <summary>Bytes sent so far.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>Runs until the connection is done; socket failures are thrown as <see cref="SockException"/>s.</summary>
    public async Task<RelayResult> RunAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var download = DownloadAsync(cts.Token);
        var upload = _input is null ? null : UploadAsync(cts.Token);
        var idle = _options.IdleTimeout is { } it && it > TimeSpan.Zero ? _activity.WaitIdleAsync(it, cts.Token) : null;
        var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
        Task? quit = null;
        var inputEnded = false;
        RelayEnd end;
        try
        {
            while (true)
            {
                var waits = new List<Task>(5) { download, cancelled };
                if (upload is not null) waits.Add(upload);
                if (idle is not null) waits.Add(idle);
                if (quit is not null) waits.Add(quit);
                var done = await Task.WhenAny(waits).ConfigureAwait(false);
                if (done == cancelled) { end = RelayEnd.Cancelled; break; }
                // Datagrams: after end of input -i is the wait for replies (there is no close to wait for), so it ends
                // the session as -q would; before it, the peer went silent: ncat's "Idle timeout expired".
                if (done == idle) { end = _channel.IsDatagram && inputEnded ? RelayEnd.QuitAfterEof : RelayEnd.Idle; break; }
                if (done == quit) { end = RelayEnd.QuitAfterEof; break; }
                if (done == download)
                {
                    end = await download.ConfigureAwait(false);
                    if (end == RelayEnd.PeerClosed && upload is not null)
                    {
                        // The peer's end of stream ends the output at once, as ncat closes its stdout there: whoever
                        // reads it downstream sees EOF now, while what the input still carries goes on to the peer.
                        CloseOutput();
                        if (FinishInputAfterPeerClose)
                        {
                            await upload.ConfigureAwait(false);
                            await ShutdownAsync().ConfigureAwait(false);
                        }
                        else if (await DrainInputAsync(upload, cancelled).ConfigureAwait(false))
                        {
                            await ShutdownAsync().ConfigureAwait(false);
                        }
                    }
                    break;
                }
                // Input ended.
                await upload!.ConfigureAwait(false);
                upload = null;
                inputEnded = true;
                quit = _channel.IsDatagram ? AfterDatagramInputEnd(idle is not null, cts.Token) : await AfterStreamInputEndAsync(cts.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            // A datagram relay leaves its output to its owner (a program's stdin is closed with the program).
            if (!_channel.IsDatagram) CloseOutput();
            // A TLS session still open here (--no-shutdown, -q, -i, a signal) ends with close_notify all the same.
            await _channel.FinishAsync().ConfigureAwait(false);
        }
        return new RelayResult(BytesSent, BytesReceived, end);
    }

    /// <summary>A stream's input ended: our side is shut down, and the relay waits for the peer's end (or -q).</summary>
    private async Task<Task?> AfterStreamInputEndAsync(CancellationToken ct)
    {
        await ShutdownAsync().ConfigureAwait(false);
        // --send-only quits at end of input as ncat's does, after a short grace for the peer's own close.
        var quitAfter = _options.QuitAfterEof ?? (_options.SendOnly ? PeerClosedGrace : null);
        return quitAfter is { } q && q >= TimeSpan.Zero ? Task.Delay(q, ct) : null;
    }

    /// <summary>
    /// A datagram input ended: replies need time, and no close will come. -q (negative: never), else -i's own wait, else
    /// the linger: quit once nothing has arrived for <see cref="NetcatOptions.UdpLingerAfterEof"/>.
    /// </summary>
    private Task? AfterDatagramInputEnd(bool idleWatched, CancellationToken ct)
    {
        if (_options.QuitAfterEof is { } q) return q >= TimeSpan.Zero ? Task.Delay(q, ct) : null;
        if (idleWatched) return null;
        _activity.Touch();
        return _activity.WaitIdleAsync(_options.UdpLingerAfterEof, ct);
    }

    /// <summary>How long input may stay silent after the peer closed before the relay gives up on it.</summary>
    public static readonly TimeSpan PeerClosedGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The peer closed (or half-closed) while input is still open: what is in flight still goes out, as long as input
    /// keeps moving, but an idle input (a terminal, a silent pipe: a read from it waiting, nothing sent) is given up
    /// after <see cref="PeerClosedGrace"/>, so sock never lingers in CLOSE_WAIT. True when input reached its end.
    /// </summary>
    private async Task<bool> DrainInputAsync(Task upload, Task cancelled)
    {
        var last = BytesSent;
        while (true)
        {
            var done = await Task.WhenAny(upload, cancelled, Task.Delay(PeerClosedGrace)).ConfigureAwait(false);
            if (done == upload)
            {
                // A send that fails now (reset, broken pipe) lost data the peer never read: that is an error.
                await upload.ConfigureAwait(false);
                return true;
            }
            if (done == cancelled) return false;
            // Only an input that is itself quiet is given up on; a send held up by the peer (backpressure: it still
            // reads, slowly) is input still moving.
            if (BytesSent == last && Volatile.Read(ref _readingInput)) return false;
            last = BytesSent;
        }
    }

    private async Task ShutdownAsync()
    {
        if (_options.NoShutdown) return;
        await _channel.ShutdownSendAsync().ConfigureAwait(false);
    }

    private bool _outputClosed;
    private bool _readingInput;

    /// <summary>Ends the output (once): nothing more will be written to it, and its reader sees the end.</summary>
    private void CloseOutput()
    {
        if (_output is null || _outputClosed) return;
        _outputClosed = true;
        try { _output.Dispose(); }
        catch (IOException) { }
    }

    private async Task<RelayEnd> DownloadAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_channel.ReceiveSize(_options));
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await _channel.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) { return RelayEnd.Cancelled; }
                // An empty datagram is a datagram (nothing to write); only a stream ends with a read of 0.
                if (n == 0 && !_channel.IsDatagram)
                {
                    if (_channel.EndOfStream(BytesSent) is { } cut) throw cut;
                    return RelayEnd.PeerClosed;
                }
                Interlocked.Add(ref _received, n);
                _activity.Touch();
                _recorder?.Received(buffer.AsSpan(0, n));
                if (_output is null || n == 0) continue;
                try
                {
                    await _output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    await _output.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) { return RelayEnd.Cancelled; }
                catch (IOException) { return RelayEnd.OutputClosed; }
                catch (ObjectDisposedException) { return RelayEnd.OutputClosed; }
                // EBADF: the output was closed before sock started and its descriptor number now names a file open for reading.
                catch (UnauthorizedAccessException) { return RelayEnd.OutputClosed; }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task UploadAsync(CancellationToken ct)
    {
        var readSize = _channel.InputReadSize(_options);
        var buffer = ArrayPool<byte>.Shared.Rent(readSize);
        var scratch = _options.Crlf ? new byte[buffer.Length * 2] : null;
        var crlf = _options.Crlf ? new CrlfTranslator() : null;
        try
        {
            while (true)
            {
                int n;
                Volatile.Write(ref _readingInput, true);
                try
                {
                    n = await _input!.ReadAsync(buffer.AsMemory(0, readSize), ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
                }
                catch (IOException) { return; }
                finally { Volatile.Write(ref _readingInput, false); }
                if (n == 0) return;
                ReadOnlyMemory<byte> data = buffer.AsMemory(0, n);
                if (crlf is not null) data = crlf.Translate(data, scratch!);
                while (!data.IsEmpty)
                {
                    int sent;
                    try
                    {
                        sent = await _channel.SendAsync(data, ct).ConfigureAwait(false);
                    }
                    catch (SockException ex) when (ex.SocketError == SocketError.Shutdown)
                    {
                        // EPIPE: .NET calls it "shut down"; the peer closed before reading what was still coming.
                        throw new SockException(SockErrorKind.Network, ex.Operation, ex.Target,
                            "broken pipe (the peer closed the connection before reading everything sent)", SocketError.Shutdown, ex);
                    }
                    _recorder?.Sent(data.Span[..sent]);
                    Interlocked.Add(ref _sent, sent);
                    data = data[sent..];
                }
                _activity.Touch();
                if (_options.Delay is { } delay && delay > TimeSpan.Zero) await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

}
