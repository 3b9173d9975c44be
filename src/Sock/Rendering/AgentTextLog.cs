using System.Globalization;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>sock agent -v: each request as a line for people: time, peer, version, PDU, community, OIDs (the first 8), outcome.</summary>
internal sealed class AgentTextLog(LinePrinter printer) : AgentLog(printer)
{
    protected override string Format(SnmpRequestRecord r)
    {
        var what = r.Version is null ? "(unreadable)" : $"{r.Version} {r.Pdu} {Quote(r.Principal)}";
        var oids = r.Oids.Count == 0 ? "" : " " + string.Join(' ', r.Oids.Take(8)) + (r.Oids.Count > 8 ? $" (+{r.Oids.Count - 8})" : "");
        var outcome = r.Outcome == "answered"
            ? string.Create(CultureInfo.InvariantCulture, $"answered {r.VarBinds} varbind{(r.VarBinds == 1 ? "" : "s")}, {r.Bytes} bytes{(r.Error is null ? "" : ", " + r.Error)}")
            : r.Outcome == "reported" ? $"reported {r.Error}" : $"dropped: {r.Error}";
        return string.Create(CultureInfo.InvariantCulture, $"{r.Time:HH:mm:ss.fff} {r.Peer} {what}{oids} -> {outcome}");
    }

    private static string Quote(string? s) => s is null ? "" : "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
