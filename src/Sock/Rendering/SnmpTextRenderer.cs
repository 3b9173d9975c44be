using System.Globalization;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// sock snmp's text: snmpwalk's lines (<c>NAME = TYPE: VALUE</c>), or for <c>table</c> snmptable's rows and columns
/// with the index first (as -Ci). With several hosts (<paramref name="many"/>) each host's lines come under
/// <c># HOST</c> and end with a blank line.
/// </summary>
internal sealed class SnmpTextRenderer(TextWriter output, SnmpText text, bool many) : IRenderer<SnmpHostAnswer>
{
    public void Render(SnmpHostAnswer answer)
    {
        if (answer.TableEntry is { } entry)
        {
            var lines = TableLines(entry, answer.VarBinds);
            if (many && lines.Count > 0) output.WriteLine($"# {answer.Target.Label}");
            foreach (var line in lines) output.WriteLine(line);
            if (many && lines.Count > 0) output.WriteLine();
            return;
        }
        // One line per varbind, written as it is formatted.
        if (many && answer.VarBinds.Count > 0) output.WriteLine($"# {answer.Target.Label}");
        foreach (var vb in answer.VarBinds) text.WriteLine(output, vb);
        if (many && answer.VarBinds.Count > 0) output.WriteLine();
    }

    private List<string> TableLines(Oid entry, IReadOnlyList<VarBind> cells)
    {
        var table = SnmpTableRows.Group(entry, cells);
        var headers = new List<string> { "index" };
        headers.AddRange(table.Columns.Select(col => MibNames.ObjectOf(entry.Append(col)) is { } o && o.Oid.Length == entry.Length + 1 ? o.Name : col.ToString(CultureInfo.InvariantCulture)));
        var body = table.Rows.Select(r =>
        {
            var any = r.Value.Values.First();
            var name = text.FormatOid(any.Oid);
            var dot = name.IndexOf('.', name.IndexOf("::", StringComparison.Ordinal) is var c and >= 0 ? c : 0);
            var row = new List<string> { dot >= 0 ? name[(dot + 1)..] : string.Join('.', r.Key.Arcs[2..].ToArray()) };
            row.AddRange(table.Columns.Select(col => r.Value.TryGetValue(col, out var vb) ? text.BareValue(vb) : "?"));
            return (IReadOnlyList<string>)row;
        }).ToList();
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        TableWriter.Write(writer, headers, body, rich: false);
        return writer.ToString().TrimEnd('\n').Split('\n').ToList();
    }
}
