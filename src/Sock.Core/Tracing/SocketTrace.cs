using System.Diagnostics;
using System.Globalization;

namespace Sock.Core.Tracing;

/// <summary>
/// Records socket calls as the BSD calls they stand for. One instance per run; its clock starts when it is made.
/// Code that traces holds a nullable reference and does nothing when it is null, so tracing off costs one null check.
/// Long transfers would flood the trace, so after <see cref="DetailedTransfersPerSocket"/> recv/send calls on a socket
/// the rest are summed and reported about once a second and when the socket is shut down or closed.
/// </summary>
public sealed class SocketTrace
{
    /// <summary>How many recv/send calls per socket and direction are shown one by one.</summary>
    public const int DetailedTransfersPerSocket = 4;

    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(1);
    private readonly ITraceSink _sink;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Dictionary<(long Handle, string Call), Transfers> _transfers = [];

    /// <summary>Creates a trace writing to <paramref name="sink"/>.</summary>
    public SocketTrace(ITraceSink sink) => _sink = sink;

    /// <summary>Writes one call as it is.</summary>
    public void Call(string text)
    {
        lock (_gate) _sink.Write(_clock.Elapsed, text);
    }

    /// <summary>
    /// Records a recv/send-like call of <paramref name="bytes"/> bytes on <paramref name="handle"/>.
    /// <paramref name="detail"/> builds the full line, only when it will be shown.
    /// </summary>
    public void Transfer(long handle, string call, long bytes, Func<string> detail)
    {
        lock (_gate)
        {
            var key = (handle, call);
            if (!_transfers.TryGetValue(key, out var t))
                _transfers[key] = t = new Transfers();
            t.Calls++;
            if (t.Calls <= DetailedTransfersPerSocket)
            {
                _sink.Write(_clock.Elapsed, detail());
                if (t.Calls == DetailedTransfersPerSocket)
                    t.WindowStart = _clock.Elapsed;
                return;
            }
            t.PendingCalls++;
            t.PendingBytes += bytes;
            if (_clock.Elapsed - t.WindowStart >= SummaryInterval)
                Flush(key, t);
        }
    }

    /// <summary>Writes what is summed for <paramref name="handle"/> and forgets it; called at shutdown and close.</summary>
    public void FlushTransfers(long handle)
    {
        lock (_gate)
        {
            foreach (var key in _transfers.Keys.Where(k => k.Handle == handle).ToList())
            {
                Flush(key, _transfers[key]);
                _transfers.Remove(key);
            }
        }
    }

    private void Flush((long Handle, string Call) key, Transfers t)
    {
        if (t.PendingCalls == 0) return;
        var now = _clock.Elapsed;
        var seconds = Math.Max((now - t.WindowStart).TotalSeconds, 1e-6);
        var rate = t.PendingBytes / seconds;
        _sink.Write(now, string.Create(CultureInfo.InvariantCulture,
            $"{key.Call}({key.Handle}) x {t.PendingCalls} calls = {t.PendingBytes} bytes in {seconds:0.000}s ({FormatRate(rate)}, {t.PendingCalls / seconds:0} calls/s)"));
        t.PendingCalls = 0;
        t.PendingBytes = 0;
        t.WindowStart = now;
    }

    private static string FormatRate(double bytesPerSecond) => bytesPerSecond switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / (1 << 30):0.00} GiB/s"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / (1 << 20):0.00} MiB/s"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / (1 << 10):0.00} KiB/s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond:0} B/s"),
    };

    private sealed class Transfers
    {
        public long Calls;
        public long PendingCalls;
        public long PendingBytes;
        public TimeSpan WindowStart;
    }
}
