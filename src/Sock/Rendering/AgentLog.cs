using System.Globalization;
using System.Text.Json;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>sock agent's request log on stdout: one line per request with -v, one JSON object per request with --json.</summary>
internal sealed class AgentLog(LinePrinter printer, bool json)
{
    private long _dropped;

    /// <summary>Lines the queue had no room for (stdout not read): counted, never waited for.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(SnmpRequestRecord r)
    {
        var line = json ? JsonSerializer.Serialize(r, SnmpJson.Default.SnmpRequestRecord) : Text(r);
        if (!printer.TryPrint(line)) Interlocked.Increment(ref _dropped);
    }

    public static string Text(SnmpRequestRecord r)
    {
        var what = r.Version is null ? "(unreadable)" : $"{r.Version} {r.Pdu} {Quote(r.Principal)}";
        var oids = r.Oids.Count == 0 ? "" : " " + string.Join(' ', r.Oids.Take(8)) + (r.Oids.Count > 8 ? $" (+{r.Oids.Count - 8})" : "");
        var outcome = r.Outcome == "answered"
            ? string.Create(CultureInfo.InvariantCulture, $"answered {r.VarBinds} varbind{(r.VarBinds == 1 ? "" : "s")}, {r.Bytes} bytes{(r.Error is null ? "" : ", " + r.Error)}")
            : $"dropped: {r.Error}";
        return string.Create(CultureInfo.InvariantCulture, $"{r.Time:HH:mm:ss.fff} {r.Peer} {what}{oids} -> {outcome}");
    }

    private static string Quote(string? s) => s is null ? "" : "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
