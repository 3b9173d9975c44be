namespace Sock.Core.Snmp;

/// <summary>Collects object instances in any order and makes the sorted <see cref="MibView"/>.</summary>
internal sealed class MibViewBuilder
{
    private readonly List<(Oid Oid, SnmpValue Value)> _entries = [];
    private readonly HashSet<Oid> _objects = [];

    /// <summary>A scalar: <paramref name="obj"/>.0.</summary>
    public void Scalar(Oid obj, SnmpValue value)
    {
        _objects.Add(obj);
        _entries.Add((obj.Append(0), value));
    }

    /// <summary>A column object type, registered even when its table has no rows (so a Get answers noSuchInstance).</summary>
    public void Column(Oid column) => _objects.Add(column);

    /// <summary>A table cell: <paramref name="column"/>.<paramref name="index"/>.</summary>
    public void Cell(Oid column, ReadOnlySpan<uint> index, SnmpValue value)
    {
        _objects.Add(column);
        _entries.Add((column.Append(index), value));
    }

    /// <summary>The sorted snapshot; a repeated instance keeps its first value.</summary>
    public MibView Build()
    {
        _entries.Sort((a, b) => a.Oid.CompareTo(b.Oid));
        var oids = new List<Oid>(_entries.Count);
        var values = new List<SnmpValue>(_entries.Count);
        foreach (var (oid, value) in _entries)
        {
            if (oids.Count > 0 && oids[^1] == oid) continue;
            oids.Add(oid);
            values.Add(value);
        }
        var objects = _objects.ToArray();
        Array.Sort(objects);
        return new MibView([.. oids], [.. values], objects);
    }
}
