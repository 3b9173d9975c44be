using System.Globalization;
using System.Threading.Channels;

namespace Sock.Cli.Rendering;

/// <summary>
/// Lines for a writer that may block (stdout into a pipe that is read slowly, or not at all): they wait in a bounded
/// queue and one thread of their own writes them. A handler on the engine's I/O thread awaits room in the queue instead
/// of blocking that thread in write(), which would stall every connection the thread serves; when the queue is full,
/// only the connections with something to print wait.
/// </summary>
internal sealed class LinePrinter : IAsyncDisposable
{
    private readonly Channel<string> _lines;
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _dropGate = new();
    private long _dropped;

    /// <param name="writer">Where the lines go.</param>
    /// <param name="capacity">Lines queued at most (a hello message is at most 64 KiB, so 256 of them bound the queue to 16 MiB).</param>
    public LinePrinter(TextWriter writer, int capacity = 256)
    {
        _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        new Thread(() => Write(writer)) { IsBackground = true, Name = "sock output" }.Start();
    }

    /// <summary>Queues <paramref name="line"/>; completes at once unless the queue is full.</summary>
    public ValueTask PrintAsync(string line) => _lines.Writer.WriteAsync(line);

    /// <summary>Queues <paramref name="line"/> if there is room; false when the queue is full (the writer is not keeping up).</summary>
    public bool TryPrint(string line) => _lines.Writer.TryWrite(line);

    /// <summary>
    /// Queues a log line, or counts it as dropped when the queue is full: a server's log must not hold up the server when
    /// nobody reads stderr. Once there is room again, one line says how many were dropped, before the next line.
    /// </summary>
    public void PrintOrDrop(string line)
    {
        lock (_dropGate)
        {
            if (_dropped > 0 && TryPrint(string.Create(CultureInfo.InvariantCulture, $"sock: {_dropped} log line(s) dropped: stderr was not being read")))
                _dropped = 0;
            if (_dropped > 0 || !TryPrint(line)) _dropped++;
        }
    }

    /// <summary>Lines queued and not yet taken by the writing thread.</summary>
    public int Queued => _lines.Reader.Count;

    /// <summary>Writes what is queued, waiting at most <paramref name="deadline"/> for a reader that has stopped reading.</summary>
    public async Task DrainAsync(TimeSpan deadline)
    {
        _lines.Writer.TryComplete();
        try
        {
            await _written.Task.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nobody reads our stdout: exit anyway (the thread is a background one) rather than hang.
        }
    }

    public async ValueTask DisposeAsync() => await DrainAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);

    private void Write(TextWriter writer)
    {
        var reader = _lines.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var line)) writer.WriteLine(line);
                // Flushed whenever the queue runs dry: at once for a trickle, in batches under load.
                writer.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The reader went away (EPIPE), or stdout was closed at exit: nothing more can be printed.
        }
        _written.TrySetResult();
    }
}
