using System.Globalization;
using Sock.Cli.Rendering;
using Sock.Core.Inspection;
using Spectre.Console;

namespace Sock.Cli.Commands;

/// <summary>
/// sock stat --watch: the table read again every interval. Sockets that appeared since the last refresh are marked
/// +, sockets that went away are shown once more marked -, and a totals line ends each frame. A Spectre live display
/// on a terminal; a frame per interval on a pipe. Runs until --count frames or Ctrl-C.
/// </summary>
internal static class StatWatch
{
    public static async Task<int> RunAsync(StatOptions options, TimeSpan interval, int? count, CancellationToken ct, Sock.Core.Tracing.SocketTrace? trace = null)
    {
        Dictionary<string, SocketTableEntry>? previous = null;
        var reader = SocketTableReaders.ForThisMachine(trace);
        (IReadOnlyList<SocketTableEntry> Rows, List<string> Marks, StatLayout Layout, string Totals) Frame()
        {
            var table = StatTable.Read(options, reader);
            if (previous is null) table.PrintNotes();
            var current = new Dictionary<string, SocketTableEntry>();
            foreach (var r in table.Rows) current.TryAdd(Key(r), r);
            var rows = new List<SocketTableEntry>();
            var marks = new List<string>();
            foreach (var r in table.Rows)
            {
                rows.Add(r);
                marks.Add(previous is not null && !previous.ContainsKey(Key(r)) ? "+" : "");
            }
            var closed = 0;
            if (previous is not null)
                foreach (var (k, r) in previous)
                    if (!current.ContainsKey(k)) { rows.Add(r); marks.Add("-"); closed++; }
            var added = marks.Count(m => m == "+");
            previous = current;
            var byState = table.Rows.GroupBy(r => r.State).OrderByDescending(g => g.Count())
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
            var totals = string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.Now:HH:mm:ss}  {table.Rows.Count} sockets ({string.Join(", ", byState)}); {added} new, {closed} closed");
            return (rows, marks, table.Layout, totals);
        }

        var frames = 0;
        try
        {
            if (Terminal.RichStdout)
            {
                var first = Frame();
                await AnsiConsole.Live(Render(first)).AutoClear(false).StartAsync(async ctx =>
                {
                    frames++;
                    while (count is null || frames < count)
                    {
                        await Task.Delay(interval, ct);
                        ctx.UpdateTarget(Render(Frame()));
                        ctx.Refresh();
                        frames++;
                    }
                });
            }
            else
            {
                while (count is null || frames < count)
                {
                    if (frames > 0) await Task.Delay(interval, ct);
                    var f = Frame();
                    StatRenderer.WritePlain(Console.Out, f.Layout, f.Rows, f.Marks);
                    Console.Out.WriteLine(f.Totals);
                    Console.Out.WriteLine();
                    Console.Out.Flush();
                    frames++;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C ends watching; that is how it is meant to stop.
        }
        return ExitCodes.Success;
    }

    private static Rows Render((IReadOnlyList<SocketTableEntry> Rows, List<string> Marks, StatLayout Layout, string Totals) f) =>
        new(StatRenderer.RichTable(f.Layout, f.Rows, f.Marks), new Markup($"[bold]{Markup.Escape(f.Totals)}[/]"));

    private static string Key(SocketTableEntry r) =>
        r.IsUnix ? $"{r.Netid} {r.Inode}" : $"{r.Netid} {StatRenderer.Local(r, true)} {StatRenderer.Peer(r, true)}";
}
