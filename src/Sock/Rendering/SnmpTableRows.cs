using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// snmptable's view of a walked table: its cells grouped into rows by index (in index order), each row's cells in the
/// order they were walked, and every column that any row has.
/// </summary>
internal sealed class SnmpTableRows
{
    private SnmpTableRows(SortedDictionary<Oid, Dictionary<uint, VarBind>> rows, SortedSet<uint> columns)
    {
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Index (as an OID, prefixed 0.0 so any index sorts) → column → cell.</summary>
    public SortedDictionary<Oid, Dictionary<uint, VarBind>> Rows { get; }

    public SortedSet<uint> Columns { get; }

    /// <summary>The cells of <paramref name="cells"/> under the table's <paramref name="entry"/> (anything shorter than a cell is skipped).</summary>
    public static SnmpTableRows Group(Oid entry, IEnumerable<VarBind> cells)
    {
        var rows = new SortedDictionary<Oid, Dictionary<uint, VarBind>>();
        var columns = new SortedSet<uint>();
        foreach (var vb in cells)
        {
            if (vb.Oid.Length <= entry.Length + 1) continue;
            var column = vb.Oid[entry.Length];
            var index = new Oid(vb.Oid.Arcs[(entry.Length + 1)..].ToArray().Prepend(0u).Prepend(0u).ToArray());
            if (!rows.TryGetValue(index, out var row)) rows[index] = row = [];
            row[column] = vb;
            columns.Add(column);
        }
        return new SnmpTableRows(rows, columns);
    }
}
