using System.Net;
using System.Text;
using Sock.Cli.Rendering;

namespace Sock.Tests.Serving;

/// <summary>sock serve's log when stderr is not read: lines are dropped, counted and reported, never waited for.</summary>
public class ServeLogTests
{
    /// <summary>A writer whose first write blocks until released, as write() does on a full pipe nobody reads.</summary>
    private sealed class StuckWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        public readonly ManualResetEventSlim Released = new();
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            Released.Wait();
            lock (_text) _text.Append(value);
        }

        public string[] Lines
        {
            get { lock (_text) return _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries); }
        }
    }

    [Fact]
    public async Task lines_that_find_the_queue_full_are_dropped_at_once_and_their_count_is_reported_once_there_is_room()
    {
        var stuck = new StuckWriter();
        await using var printer = new LinePrinter(stuck, capacity: 4);
        await using var output = new LinePrinter(TextWriter.Null);
        var log = new ServeLog(printer, output, verbose: true);
        var remote = new IPEndPoint(IPAddress.Loopback, 1);
        // The writer thread takes the first line and is stuck writing it before the rest come (had it taken that line
        // in the middle of the burst, the room it left would let a first notice in, and there would be two).
        log.Rejected("echo", remote, "reason 0");
        await SmallServiceTests.WaitUntil(() => printer.Queued == 0);
        var logging = Task.Run(() =>
        {
            for (var i = 1; i < 20; i++) log.Rejected("echo", remote, $"reason {i}");
        });
        // None of the calls waits for the stuck writer (they run on the engine's I/O threads).
        await logging.WaitAsync(TimeSpan.FromSeconds(5));
        stuck.Released.Set();
        await SmallServiceTests.WaitUntil(() => stuck.Lines.Length >= 1);
        // The writer thread empties the rest of the queue, so the next line finds room (waited for, not timed: under load
        // the thread may take longer than any fixed pause).
        await SmallServiceTests.WaitUntil(() => printer.Queued == 0);
        log.Rejected("echo", remote, "after");
        await printer.DrainAsync(TimeSpan.FromSeconds(5));

        var lines = stuck.Lines;
        var written = lines.Where(l => l.Contains("reason ")).ToList();
        var notice = Assert.Single(lines, l => l.StartsWith("sock: ", StringComparison.Ordinal));
        var dropped = int.Parse(notice.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"sock: {dropped} log line(s) dropped: stderr was not being read", notice);
        Assert.Equal(20, written.Count + dropped);
        Assert.InRange(written.Count, 1, 5); // the queue's 4, and perhaps the one the writer had taken
        // Order is kept: what was written comes first, in order, then the notice, then the line after it.
        Assert.Equal(written, Enumerable.Range(0, written.Count).Select(i => $"echo: refused 127.0.0.1:1: reason {i}"));
        Assert.Equal([notice, "echo: refused 127.0.0.1:1: after"], lines[^2..]);
    }
}
