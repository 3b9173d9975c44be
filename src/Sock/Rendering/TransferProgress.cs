using System.Diagnostics;
using System.Globalization;

namespace Sock.Cli.Rendering;

/// <summary>
/// --progress: bytes sent and received and the rate, refreshed in place on a terminal (a line a second otherwise),
/// and a summary line at the end.
/// </summary>
internal sealed class TransferProgress : IAsyncDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _inPlace;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private Func<(long Sent, long Received)>? _source;
    private Task? _loop;

    public TransferProgress(TextWriter writer, bool inPlace)
    {
        _writer = writer;
        _inPlace = inPlace;
    }

    /// <summary>Starts reporting the counters <paramref name="source"/> reads.</summary>
    public void Attach(Func<(long Sent, long Received)> source)
    {
        _source = source;
        _clock.Restart();
        _loop = RunAsync(_stop.Token);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(_inPlace ? 250 : 1000);
        try
        {
            while (true)
            {
                await Task.Delay(interval, ct);
                var line = Line();
                _writer.Write(_inPlace ? "\r" + line + "\u001b[K" : line + "\n");
                _writer.Flush();
            }
        }
        catch (OperationCanceledException) { }
    }

    private string Line()
    {
        var (sent, received) = _source!();
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        return string.Create(CultureInfo.InvariantCulture,
            $"sent {Size(sent)} ({Size(sent / seconds)}/s), received {Size(received)} ({Size(received / seconds)}/s), {seconds:0.0}s");
    }

    public static string Size(double bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):0.00} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):0.0} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
            if (_inPlace) _writer.Write("\r\u001b[K");
            _writer.WriteLine("total: " + Line());
            _writer.Flush();
        }
        _stop.Dispose();
    }
}
