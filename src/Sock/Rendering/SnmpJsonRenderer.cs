using System.Text.Json;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// sock snmp --json: one JSON object per varbind (NDJSON, <see cref="SnmpJsonVarBind"/>), naming its host; a table's
/// cells row by row.
/// </summary>
internal sealed class SnmpJsonRenderer(TextWriter output, SnmpText text) : IRenderer<SnmpHostAnswer>
{
    public void Render(SnmpHostAnswer answer)
    {
        var cells = answer.TableEntry is { } entry ? SnmpTableRows.Group(entry, answer.VarBinds).Rows.Values.SelectMany(r => r.Values) : answer.VarBinds;
        foreach (var vb in cells)
            output.WriteLine(JsonSerializer.Serialize(new SnmpJsonVarBind(answer.Target.Label, vb.Oid.ToString(), text.FormatOid(vb.Oid),
                vb.Value.Type.ToString(), text.BareValue(vb)), SnmpJson.Default.SnmpJsonVarBind));
    }
}
