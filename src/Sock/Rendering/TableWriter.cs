using Spectre.Console;

namespace Sock.Cli.Rendering;

/// <summary>
/// Tables: a Spectre table on a terminal; plain columns separated by spaces elsewhere, so pipes and scripts get
/// text with no escape codes.
/// </summary>
internal static class TableWriter
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows,
        bool rich, bool header = true, string indent = "")
    {
        var list = rows.ToList();
        if (rich)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var h in headers) table.AddColumn(new TableColumn($"[bold]{Markup.Escape(h)}[/]"));
            if (!header) table.HideHeaders();
            foreach (var r in list) table.AddRow(r.Select(c => new Markup(Markup.Escape(c))).ToArray());
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            if (indent.Length > 0) console.Write(new Padder(table, new Padding(indent.Length, 0, 0, 0)));
            else console.Write(table);
            return;
        }
        var widths = headers.Select(h => header ? h.Length : 0).ToArray();
        foreach (var r in list)
            for (var i = 0; i < widths.Length && i < r.Count; i++)
                widths[i] = Math.Max(widths[i], r[i].Length);
        void Line(IReadOnlyList<string> cells)
        {
            var parts = new string[widths.Length];
            for (var i = 0; i < widths.Length; i++)
            {
                var c = i < cells.Count ? cells[i] : "";
                parts[i] = i == widths.Length - 1 ? c : c.PadRight(widths[i]);
            }
            output.WriteLine(indent + string.Join("  ", parts).TrimEnd());
        }
        if (header) Line(headers);
        foreach (var r in list) Line(r);
    }
}
