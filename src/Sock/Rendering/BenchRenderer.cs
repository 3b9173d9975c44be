using System.Globalization;
using Sock.Core.Benchmarking;

namespace Sock.Cli.Rendering;

/// <summary>
/// Renders a benchmark: one line per interval while it runs (with a progress bar below them for a fixed count on a
/// terminal), then the setup statement and the totals.
/// </summary>
internal sealed class BenchRenderer(TextWriter? live, BenchProgressBar? bar = null) : IBenchObserver
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
    private bool _headerShown;

    public void Progress(double done) => bar?.Show(done);

    public void Interval(BenchInterval i)
    {
        if (live is null) return;
        if (bar is null) WriteInterval(live, i);
        else bar.Around(() => WriteInterval(live, i));
    }

    private void WriteInterval(TextWriter live, BenchInterval i)
    {
        if (!_headerShown)
        {
            _headerShown = true;
            live.WriteLine("Interval           Rate");
        }
        var parts = new List<string> { string.Create(Ci, $"[{i.StartSeconds,6:0.00}-{i.EndSeconds,6:0.00} s]") };
        if (i.ReceiverGbps is { } rg && i.SenderGbps == 0)
            parts.Add(string.Create(Ci, $"{Bytes(i.BytesReceived),11}  {rg,8:0.000} Gbit/s received"));
        else if (i.Messages == 0 && i.BytesSent > 0)
            parts.Add(string.Create(Ci, $"{Bytes(i.BytesSent),11}  {i.SenderGbps,8:0.000} Gbit/s sent"));
        else
            parts.Add(string.Create(Ci, $"{i.MessagesPerSecond,12:#,0} /s  {(i.BytesReceived > 0 ? i.BytesReceived : i.BytesSent) / (i.EndSeconds - i.StartSeconds) / (1024 * 1024),9:0.00} MiB/s"));
        if (i.P50Ms is { } p50) parts.Add(string.Create(Ci, $"p50 {p50:0.000} ms  p99 {i.P99Ms ?? 0:0.000} ms"));
        if (i.Errors > 0) parts.Add(string.Create(Ci, $"{i.Errors} errors"));
        if (i.Progress is { } p) parts.Add(string.Create(Ci, $"{p * 100,3:0}% done"));
        live.WriteLine(string.Join("  ", parts));
        live.Flush();
    }

    public static void Final(TextWriter output, BenchReport report, bool rich)
    {
        var t = report.Totals;
        output.WriteLine();
        output.WriteLine("Setup: " + report.Setup.Statement);
        var rows = new List<IReadOnlyList<string>>();
        var span = string.Create(Ci, $"0.00-{t.Seconds:0.00} s");
        switch (report.Setup.Mode)
        {
            case "throughput":
                var senderBytes = report.Setup.Reverse ? t.PeerBytes : t.BytesSent;
                var receiverBytes = report.Setup.Reverse ? t.BytesReceived : t.PeerBytes;
                rows.Add([span, senderBytes is { } sb ? Bytes(sb) : "-", report.Setup.Reverse && t.PeerBytes is null ? "-" : string.Create(Ci, $"{t.SenderGbps:0.000} Gbit/s"), report.Setup.Reverse ? "sender (server)" : "sender"]);
                rows.Add([span, receiverBytes is { } rb ? Bytes(rb) : "-", t.ReceiverGbps is { } r ? string.Create(Ci, $"{r:0.000} Gbit/s") : "not reported by a plain sink", report.Setup.Reverse ? "receiver" : "receiver (server)"]);
                TableWriter.Write(output, ["Interval", "Transfer", "Bitrate", "Side"], rows, rich);
                break;
            case "udp":
                rows.Add(["datagrams sent", string.Create(Ci, $"{t.Messages}  ({t.MessagesPerSecond:#,0.#}/s, {t.BytesSent * 8 / Math.Max(t.Seconds, 1e-9) / 1e6:0.###} Mbit/s)")]);
                if (report.Udp is { } u)
                {
                    rows.Add([u.MeasuredBy == "echo" ? "echoed back" : "delivered", string.Create(Ci, $"{u.Delivered}")]);
                    rows.Add(["lost", string.Create(Ci, $"{u.Lost} ({u.LossPercent:0.###}%)")]);
                    rows.Add(["reordered", string.Create(Ci, $"{u.Reordered}")]);
                    rows.Add(["duplicated", string.Create(Ci, $"{u.Duplicated}")]);
                    rows.Add(["jitter", string.Create(Ci, $"{u.JitterMs:0.000} ms ({(u.MeasuredBy == "echo" ? "round trip" : "one way")}, RFC 3550 as iperf3)")]);
                }
                else
                {
                    rows.Add(["delivery", "not reported"]);
                }
                TableWriter.Write(output, ["UDP", "Total"], rows, rich);
                break;
            default:
                var unit = report.Setup.Mode switch { "connect" => "connections", "http" => "requests", _ => "messages" };
                rows.Add([span, string.Create(Ci, $"{t.Messages}"), string.Create(Ci, $"{t.MessagesPerSecond:#,0.#}"),
                    report.Setup.Mode == "connect" ? "-" : string.Create(Ci, $"{t.MiBPerSecond:0.00}"), string.Create(Ci, $"{t.Errors + t.Mismatches}")]);
                TableWriter.Write(output, ["Interval", unit, unit switch { "connections" => "conn/s", "requests" => "req/s", _ => "msg/s" }, "MiB/s", "errors"], rows, rich);
                break;
        }
        if (report.Latency is { } l)
        {
            output.WriteLine();
            output.WriteLine(string.Create(Ci, $"Latency ({(report.Setup.Mode == "connect" ? "connect" : report.Setup.Mode == "udp" ? "round trip" : "round trip")}, measured from the {l.MeasuredFrom}, {l.Count} samples, ms):"));
            TableWriter.Write(output, ["min", "p50", "p90", "p99", "p99.9", "max", "mean", "stddev"],
                [[Ms(l.MinMs), Ms(l.P50Ms), Ms(l.P90Ms), Ms(l.P99Ms), Ms(l.P999Ms), Ms(l.MaxMs), Ms(l.MeanMs), Ms(l.StdDevMs)]], rich);
        }
        if (report.Http is { } h)
        {
            output.WriteLine();
            output.WriteLine(string.Create(Ci, $"Requests: {h.Requests} ({h.Version}, {h.Client}) = responses {h.Requests - h.Errors.Values.Sum()} + errors {h.Errors.Values.Sum()}"));
            output.WriteLine("Responses: " + (h.Statuses.Count == 0 ? "none" : string.Join(", ", h.Statuses.Select(s => string.Create(Ci, $"{s.Key}: {s.Value}"))))
                + (h.Non2xx3xx > 0 ? string.Create(Ci, $" (non-2xx or 3xx: {h.Non2xx3xx})") : ""));
            output.WriteLine("Errors: " + (h.Errors.Count == 0 ? "none" : string.Join(", ", h.Errors.Select(e => string.Create(Ci, $"{e.Key} {e.Value}")))));
            if (h.Reconnects > 0) output.WriteLine(string.Create(Ci, $"Reconnects: {h.Reconnects} (connections the server closed, opened again)"));
            if (h.Unfinished > 0) output.WriteLine(string.Create(Ci, $"In flight at the end: {h.Unfinished} (neither answered nor failed: not counted)"));
        }
        if (t.Mismatches > 0) output.WriteLine(string.Create(Ci, $"{t.Mismatches} echoed message(s) differed from what was sent."));
    }

    private static string Ms(double v) => v.ToString("0.000", Ci);

    private static string Bytes(long b) => b switch
    {
        >= 1L << 30 => string.Create(Ci, $"{b / (double)(1L << 30):0.00} GiB"),
        >= 1L << 20 => string.Create(Ci, $"{b / (double)(1L << 20):0.00} MiB"),
        >= 1L << 10 => string.Create(Ci, $"{b / 1024.0:0.00} KiB"),
        _ => string.Create(Ci, $"{b} B"),
    };
}
