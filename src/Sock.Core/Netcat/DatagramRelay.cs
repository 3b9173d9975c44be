using System.Buffers;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// Joins a connected datagram socket (UDP, or Unix datagram) to an input and an output: each read from the input is
/// one datagram, each datagram received is written out. At input EOF it does not quit at once: replies need time.
/// -q quits that long after EOF, -i when nothing moved for that long; with neither, it quits once no datagram has
/// arrived for <see cref="NetcatOptions.UdpLingerAfterEof"/>.
/// </summary>
internal sealed class DatagramRelay
{
    private const int MaxDatagram = 65507;
    private readonly TracedSocket _socket;
    private readonly Stream? _input;
    private readonly Stream? _output;
    private readonly NetcatOptions _options;
    private readonly SessionRecorder? _recorder;
    private long _sent;
    private long _received;
    private readonly ActivityClock _activity = new();

    /// <summary>A relay for the connected datagram socket <paramref name="socket"/>.</summary>
    public DatagramRelay(TracedSocket socket, Stream? input, Stream? output, NetcatOptions options, SessionRecorder? recorder)
    {
        _socket = socket;
        _input = input;
        _output = output;
        _options = options;
        _recorder = recorder;
    }

    /// <summary>Runs until -q, -i or the linger after EOF ends it; an ICMP "port unreachable" ends it with an error.</summary>
    public async Task<RelayResult> RunAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var download = DownloadAsync(cts.Token);
        var upload = _input is null ? null : UploadAsync(cts.Token);
        var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
        var idle = _options.IdleTimeout is { } it && it > TimeSpan.Zero ? _activity.WaitIdleAsync(it, cts.Token) : null;
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
                // After end of input -i is the wait for replies (UDP has no close to wait for), so it ends the
                // session as -q would; before it, the peer went silent: ncat's "Idle timeout expired".
                if (done == idle) { end = inputEnded ? RelayEnd.QuitAfterEof : RelayEnd.Idle; break; }
                if (done == quit) { end = RelayEnd.QuitAfterEof; break; }
                if (done == download) { end = await download.ConfigureAwait(false); break; }
                await upload!.ConfigureAwait(false);
                upload = null;
                inputEnded = true;
                if (_options.QuitAfterEof is { } q)
                {
                    if (q >= TimeSpan.Zero) quit = Task.Delay(q, cts.Token);
                }
                else if (idle is null)
                {
                    _activity.Touch();
                    quit = _activity.WaitIdleAsync(_options.UdpLingerAfterEof, cts.Token);
                }
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
        return new RelayResult(Interlocked.Read(ref _sent), Interlocked.Read(ref _received), end);
    }

    private async Task<RelayEnd> DownloadAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram + 1);
        try
        {
            while (true)
            {
                int n;
                try { n = await _socket.ReceiveAsync(buffer, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return RelayEnd.Cancelled; }
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
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var crlf = _options.Crlf ? new CrlfTranslator() : null;
        var scratch = crlf is null ? null : new byte[buffer.Length * 2];
        try
        {
            while (true)
            {
                int n;
                try { n = await _input!.ReadAsync(buffer.AsMemory(0, MaxDatagram), ct).AsTask().WaitAsync(ct).ConfigureAwait(false); }
                catch (IOException) { return; }
                if (n == 0) return;
                ReadOnlyMemory<byte> data = buffer.AsMemory(0, n);
                if (crlf is not null) data = crlf.Translate(data, scratch!);
                while (!data.IsEmpty)
                {
                    var chunk = data[..Math.Min(MaxDatagram, data.Length)];
                    await _socket.SendAsync(chunk, ct).ConfigureAwait(false);
                    _recorder?.Sent(chunk.Span);
                    Interlocked.Add(ref _sent, chunk.Length);
                    data = data[chunk.Length..];
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
