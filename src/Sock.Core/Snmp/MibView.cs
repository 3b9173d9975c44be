namespace Sock.Core.Snmp;

/// <summary>
/// One consistent snapshot of everything an agent serves: object instances sorted in OID order, so Get is a binary
/// search and GetNext the next entry; plus the object types, to tell noSuchInstance from noSuchObject.
/// </summary>
public sealed class MibView
{
    private readonly Oid[] _oids;
    private readonly SnmpValue[] _values;
    private readonly Oid[] _objects;
    // The index of the instance TryNext returned last. A walk asks next for the one after it (GetBulk's repetitions
    // within a request, and the manager's next request), so that lookup is one comparison instead of a binary search
    // over the whole view (17 comparisons of long, shared-prefix OIDs at 10,000 connections: most of a GetBulk's CPU).
    // Shared by concurrent requests and only a hint: it is checked before it is used.
    private int _lastNext = -1;

    internal MibView(Oid[] oids, SnmpValue[] values, Oid[] objects)
    {
        _oids = oids;
        _values = values;
        _objects = objects;
    }

    /// <summary>How many object instances the view holds.</summary>
    public int Count => _oids.Length;

    /// <summary>When the snapshot was taken.</summary>
    public DateTimeOffset TakenAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The instance's value, or noSuchInstance (the object type exists) or noSuchObject.</summary>
    public SnmpValue Get(Oid oid)
    {
        var i = Array.BinarySearch(_oids, oid);
        if (i >= 0) return _values[i];
        var j = Array.BinarySearch(_objects, oid);
        if (j >= 0) return SnmpValue.NoSuchInstance; // the object type itself is not an instance
        j = ~j - 1;
        return j >= 0 && oid.StartsWith(_objects[j]) ? SnmpValue.NoSuchInstance : SnmpValue.NoSuchObject;
    }

    /// <summary>
    /// The first instance after <paramref name="oid"/> in lexicographic order; false at the end of the view.
    /// <paramref name="skipCounter64"/> passes over Counter64 values, which SNMPv1 cannot carry (RFC 3584 §4.2.2.1).
    /// </summary>
    public bool TryNext(Oid oid, bool skipCounter64, out VarBind next)
    {
        var hint = Volatile.Read(ref _lastNext);
        int i;
        if ((uint)hint < (uint)_oids.Length && _oids[hint].Equals(oid)) i = hint + 1;
        else
        {
            i = Array.BinarySearch(_oids, oid);
            i = i >= 0 ? i + 1 : ~i;
        }
        while (i < _oids.Length && skipCounter64 && _values[i].Type == SnmpValueType.Counter64) i++;
        if (i >= _oids.Length) { next = null!; return false; }
        Volatile.Write(ref _lastNext, i);
        next = new VarBind(_oids[i], _values[i]);
        return true;
    }

    /// <summary>Every instance in order.</summary>
    public IEnumerable<VarBind> All() => _oids.Select((o, i) => new VarBind(o, _values[i]));
}
