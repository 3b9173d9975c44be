using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sock.Core.Icmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock ping` on a terminal with several hosts (or --live): one row per host, redrawn in place, with its counts, its
/// last and average round trip, and a sparkline of the last round trips (▁ fastest of the window … █ slowest, · no
/// reply) — what mtr and gping show, for a glance at many hosts at once. The per-reply lines are not printed; the
/// summary of each host follows at the end, as ping's.
/// </summary>
internal sealed class PingLiveView(TextWriter output, TextWriter error) : IPingObserver
{
    /// <summary>Round trips shown in the sparkline.</summary>
    public const int Window = 30;

    private const string Levels = "▁▂▃▄▅▆▇█";
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private readonly List<Row> _rows = [];
    private readonly Stopwatch _sinceDraw = new();
    private int _drawnLines;

    public void Started(PingMethodChoice method, IReadOnlyList<PingHost> hosts)
    {
        lock (_gate)
        {
            error.WriteLine($"sock ping: {method.Description}: {method.Reason}");
            foreach (var h in hosts) _rows.Add(new Row(h));
            Draw();
        }
    }

    public void Sent(PingHost host, int sequence)
    {
        lock (_gate)
        {
            if (RowOf(host) is not { } row) return;
            row.Recent.Add((sequence, null));
            if (row.Recent.Count > Window) row.Recent.RemoveAt(0);
            DrawSoon();
        }
    }

    public void Reply(PingReply reply)
    {
        if (reply.Duplicate || reply.ChecksumBad) return;
        lock (_gate)
        {
            if (RowOf(reply.Host) is not { } row) return;
            row.LastMicros = reply.RoundTripMicros;
            var i = row.Recent.FindIndex(r => r.Sequence == reply.Sequence);
            if (i >= 0) row.Recent[i] = (reply.Sequence, reply.RoundTripMicros);
            DrawSoon();
        }
    }

    public void Problem(PingProblem problem)
    {
        lock (_gate)
        {
            if (RowOf(problem.Host) is { } row) row.LastProblem = problem.Text;
            DrawSoon();
        }
    }

    /// <summary>The last drawing, with every figure final; the summaries follow below it.</summary>
    public void Close()
    {
        lock (_gate) Draw();
    }

    private Row? RowOf(PingHost host) => _rows.Find(r => ReferenceEquals(r.Host, host));

    private void DrawSoon()
    {
        // A flood or a thousand hosts would redraw thousands of times a second: ten times is what the eye takes in.
        if (_sinceDraw.IsRunning && _sinceDraw.Elapsed < RedrawEvery) return;
        Draw();
    }

    private void Draw()
    {
        var text = new StringBuilder();
        // Back to the first row of the last drawing; each line is rewritten and the rest of it cleared.
        if (_drawnLines > 0) text.Append(CultureInfo.InvariantCulture, $"\u001b[{_drawnLines}A");
        var width = Math.Max(4, _rows.Count == 0 ? 4 : _rows.Max(r => Name(r).Length));
        text.Append('\r').Append("HOST".PadRight(width)).Append("  SENT  RECV  LOSS      LAST       AVG  LAST ").Append(Window).Append(" ROUND TRIPS\u001b[K\n");
        foreach (var r in _rows)
        {
            var s = r.Host.Statistics;
            text.Append('\r').Append(Name(r).PadRight(width))
                .Append(CultureInfo.InvariantCulture, $"  {s.Transmitted,4}  {s.Received,4}  {PingPrinter.LossText(s.LossPercent) + "%",4}")
                .Append(CultureInfo.InvariantCulture, $"  {Ms(r.LastMicros),8}  {Ms(s.Received > 0 ? s.AvgMicros : null),8}  ")
                .Append(Sparkline(r.Recent));
            if (r.LastProblem is { } p) text.Append("  ").Append(p);
            text.Append("\u001b[K\n");
        }
        output.Write(text.ToString());
        output.Flush();
        _drawnLines = _rows.Count + 1;
        _sinceDraw.Restart();
    }

    private static string Name(Row r) => r.Host.Target.Name ?? r.Host.Target.Address.ToString();

    private static string Ms(long? micros) => micros is { } m ? (m / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) + " ms" : "-";

    /// <summary>One character a request: its round trip's level between the window's fastest and slowest, · when it went unanswered, a space while it is the newest and may still be answered.</summary>
    internal static string Sparkline(IReadOnlyList<(int Sequence, long? Micros)> recent)
    {
        var answered = recent.Where(r => r.Micros is not null).Select(r => r.Micros!.Value).ToList();
        long min = answered.Count > 0 ? answered.Min() : 0, max = answered.Count > 0 ? answered.Max() : 0;
        var line = new StringBuilder(recent.Count);
        for (var i = 0; i < recent.Count; i++)
        {
            if (recent[i].Micros is not { } m)
            {
                line.Append(i == recent.Count - 1 ? ' ' : '·');
                continue;
            }
            var level = max == min ? 0 : (int)((m - min) * (Levels.Length - 1) / (max - min));
            line.Append(Levels[level]);
        }
        return line.ToString();
    }

    private sealed class Row(PingHost host)
    {
        public PingHost Host { get; } = host;
        public List<(int Sequence, long? Micros)> Recent { get; } = [];
        public long? LastMicros { get; set; }
        public string? LastProblem { get; set; }
    }
}
