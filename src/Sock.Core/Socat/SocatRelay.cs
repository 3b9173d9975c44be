using System.Diagnostics;
using System.Net.Sockets;
using Sock.Core.Errors;

namespace Sock.Core.Socat;

/// <summary>
/// socat's transfer loop between two opened addresses. Both directions move at once; when one reaches its end, the
/// other end's write side is shut down (SHUT_WR, close_notify, a program's stdin closed) and the relay goes on until the
/// other direction ends too, or nothing has moved for <see cref="SocatRelayOptions.CloseTimeout"/> (-t). -T ends it
/// after that long without traffic; -u and -U move one way only and end with that direction. crlf on either end
/// converts line ends as socat does (LF to CR LF towards a crlf end; CRs dropped coming from one).
/// </summary>
internal sealed class SocatRelay
{
    private static long _nextId;
    private readonly SocatEnd _left;
    private readonly SocatEnd _right;
    private readonly SocatRelayOptions _options;
    private readonly ISocatObserver? _observer;
    private long _lastActivity = Stopwatch.GetTimestamp();
    private volatile bool _closing;

    public SocatRelay(SocatEnd left, SocatEnd right, SocatRelayOptions options, ISocatObserver? observer)
    {
        _left = left;
        _right = right;
        _options = options;
        _observer = observer;
        Id = Interlocked.Increment(ref _nextId);
    }

    /// <summary>The relay's number (the first is 1), which -v and -x output and notices carry under fork.</summary>
    public long Id { get; }

    /// <summary>Bytes moved from the first address to the second.</summary>
    public long LeftToRight => Interlocked.Read(ref _leftToRight);

    /// <summary>Bytes moved from the second address to the first.</summary>
    public long RightToLeft => Interlocked.Read(ref _rightToLeft);

    private long _leftToRight;
    private long _rightToLeft;

    /// <summary>Runs until both directions are done (or a timeout); a failure in either direction is thrown once the relay has stopped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = new List<Task>(2);
        // As socat, an end that can only be read or only be written (STDIN, STDOUT, CREATE) makes the relay one way.
        if (_options.Direction != SocatDirection.RightToLeft && _left.CanRead && _right.CanWrite)
            pending.Add(PumpAsync(_left, _right, rightToLeft: false, cts.Token));
        if (_options.Direction != SocatDirection.LeftToRight && _right.CanRead && _left.CanWrite)
            pending.Add(PumpAsync(_right, _left, rightToLeft: true, cts.Token));
        var oneWay = pending.Count == 1;
        var cancelled = Task.Delay(Timeout.Infinite, ct);
        Exception? failure = null;
        try
        {
            while (pending.Count > 0)
            {
                var limit = _closing ? _options.CloseTimeout : _options.IdleTimeout;
                var wait = Timeout.InfiniteTimeSpan;
                if (limit is { } l)
                {
                    wait = l - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
                    if (wait <= TimeSpan.Zero)
                    {
                        _observer?.Notice(_closing ? $"relay {Id}: nothing more within {Seconds(l)} s after the first end (-t)" : $"relay {Id}: inactivity timeout triggered (-T)");
                        break;
                    }
                }
                using var timer = new CancellationTokenSource();
                var tick = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, timer.Token) : Task.Delay(wait, timer.Token);
                var done = await Task.WhenAny([.. pending, tick, cancelled]).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
                if (done == cancelled) break;
                if (done == tick) continue;
                pending.Remove(done);
                if (done.IsFaulted) failure ??= done.Exception!.InnerException;
                // The first end (or error) starts the closing phase; a one-way relay has nothing left to wait for.
                _closing = true;
                Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
                if (oneWay || failure is not null) break;
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
        if (failure is not null) throw failure is SockException ? failure : Wrap(failure);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static SockException Wrap(Exception ex) => ex switch
    {
        SocketException s => SockException.FromSocket("transfer", null, s),
        IOException io when io.InnerException is SocketException s => SockException.FromSocket("transfer", null, s),
        _ => new SockException(SockErrorKind.Network, "transfer", null, Errors.FileErrorText.Describe(ex, fallback: ex.GetType().Name), null, ex),
    };

    private void Touch() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    private async Task PumpAsync(SocatEnd from, SocatEnd to, bool rightToLeft, CancellationToken ct)
    {
        var size = from.IsDatagram ? Math.Max(_options.BufferSize, 65536) : _options.BufferSize;
        var buffer = new byte[size];
        var converted = from.Crlf != to.Crlf ? new byte[size * 2] : null;
        long offset = 0;
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    if (from.IgnoreEof && !_closing)
                    {
                        await Task.Delay(SocatRelayOptions.IgnoreEofInterval, ct).ConfigureAwait(false);
                        continue;
                    }
                    _observer?.Notice($"relay {Id}: {from.Name} is at EOF");
                    Touch();
                    await to.ShutdownWriteAsync().ConfigureAwait(false);
                    return;
                }
                Touch();
                ReadOnlyMemory<byte> data = buffer.AsMemory(0, n);
                if (converted is not null) data = converted.AsMemory(0, ConvertLineEnds(buffer.AsSpan(0, n), converted, from.Crlf));
                if (data.IsEmpty) continue;
                _observer?.Transferred(Id, rightToLeft, data.Span, offset);
                offset += data.Length;
                await to.WriteAsync(data, ct).ConfigureAwait(false);
                if (rightToLeft) Interlocked.Add(ref _rightToLeft, data.Length);
                else Interlocked.Add(ref _leftToRight, data.Length);
                Touch();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>
    /// socat's conversion between a crlf end and a plain one: from a crlf end every CR is dropped (CR LF becomes LF); towards
    /// one every LF becomes CR LF. Returns the length written to <paramref name="into"/> (at most twice the input).
    /// </summary>
    internal static int ConvertLineEnds(ReadOnlySpan<byte> data, Span<byte> into, bool fromCrlf)
    {
        var n = 0;
        foreach (var b in data)
        {
            if (fromCrlf)
            {
                if (b != (byte)'\r') into[n++] = b;
            }
            else if (b == (byte)'\n')
            {
                into[n++] = (byte)'\r';
                into[n++] = (byte)'\n';
            }
            else into[n++] = b;
        }
        return n;
    }
}
