using System.Globalization;

namespace Sock.Core.Snmp;

/// <summary>
/// An SNMP object identifier: a sequence of unsigned 32-bit arcs (SMIv2 allows at most 128), compared
/// lexicographically arc by arc, which is the order GetNext and GetBulk walk in.
/// </summary>
public sealed class Oid : IComparable<Oid>, IEquatable<Oid>
{
    /// <summary>The most arcs an SNMP OID may have (RFC 2578 §3.5).</summary>
    public const int MaxArcs = 128;

    private readonly uint[] _arcs;
    private int _hash;

    private Oid(uint[] arcs) => _arcs = arcs;

    /// <summary>An OID made of <paramref name="arcs"/> (copied).</summary>
    public Oid(ReadOnlySpan<uint> arcs)
    {
        if (arcs.Length > MaxArcs) throw new ArgumentException($"an OID has at most {MaxArcs} arcs", nameof(arcs));
        _arcs = arcs.ToArray();
    }

    /// <summary>The sub-identifiers in order (1.3.6.1 is 1, 3, 6, 1).</summary>
    public ReadOnlySpan<uint> Arcs => _arcs;

    /// <summary>How many arcs.</summary>
    public int Length => _arcs.Length;

    /// <summary>The arc at <paramref name="index"/>.</summary>
    public uint this[int index] => _arcs[index];

    /// <summary>0.0, the null OID SNMP uses where an OID value is required but none applies.</summary>
    public static Oid Null { get; } = new([0u, 0u]);

    /// <summary>Parses dotted numbers ("1.3.6.1.2.1.1.1.0", a leading dot allowed).</summary>
    public static Oid Parse(string text) =>
        TryParse(text, out var oid, out var why) ? oid : throw new FormatException($"'{text}' is not an OID: {why}");

    /// <summary>Parses dotted numbers; <paramref name="error"/> says why when it fails.</summary>
    public static bool TryParse(string text, out Oid oid, out string error)
    {
        oid = Null;
        var s = text.AsSpan().Trim();
        if (s.StartsWith(".")) s = s[1..];
        if (s.IsEmpty) { error = "it is empty"; return false; }
        var arcs = new List<uint>();
        foreach (var range in s.Split('.'))
        {
            var part = s[range];
            if (part.IsEmpty) { error = "an arc is empty (two dots in a row?)"; return false; }
            if (!uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var arc))
            {
                error = part.ContainsAnyExceptInRange('0', '9') ? $"'{part}' is not a number" : $"arc {part} is larger than 4294967295";
                return false;
            }
            if (arcs.Count == MaxArcs) { error = $"it has more than {MaxArcs} arcs"; return false; }
            arcs.Add(arc);
        }
        if (arcs[0] > 2) { error = "the first arc must be 0, 1 or 2"; return false; }
        if (arcs.Count > 1 && arcs[0] < 2 && arcs[1] >= 40) { error = "under 0 and 1 the second arc must be below 40"; return false; }
        oid = new Oid(arcs.ToArray());
        error = "";
        return true;
    }

    /// <summary>This OID with <paramref name="more"/> arcs appended.</summary>
    public Oid Append(params ReadOnlySpan<uint> more)
    {
        if (_arcs.Length + more.Length > MaxArcs) throw new ArgumentException($"an OID has at most {MaxArcs} arcs", nameof(more));
        var arcs = new uint[_arcs.Length + more.Length];
        _arcs.CopyTo(arcs, 0);
        more.CopyTo(arcs.AsSpan(_arcs.Length));
        return new Oid(arcs);
    }

    /// <summary>True when this OID is <paramref name="prefix"/> or lies under it.</summary>
    public bool StartsWith(Oid prefix) => _arcs.AsSpan().StartsWith(prefix._arcs);

    /// <summary>Lexicographic order, arc by arc; a prefix sorts before what lies under it.</summary>
    public int CompareTo(Oid? other)
    {
        if (other is null) return 1;
        return _arcs.AsSpan().SequenceCompareTo(other._arcs);
    }

    /// <inheritdoc />
    public bool Equals(Oid? other) => other is not null && _arcs.AsSpan().SequenceEqual(other._arcs);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Oid o && Equals(o);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        return _hash = HashOf(_arcs);
    }

    /// <summary>Dotted numbers without a leading dot: 1.3.6.1.2.1.1.1.0.</summary>
    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxArcs * 11];
        return new string(text[..Format(_arcs, text)]);
    }

    /// <summary>
    /// Writes <paramref name="arcs"/> as dotted numbers into <paramref name="into"/> (11 chars per arc always fit) and
    /// returns how many chars: no string per arc, which a walk would make twenty times per row.
    /// </summary>
    internal static int Format(ReadOnlySpan<uint> arcs, Span<char> into)
    {
        var at = 0;
        for (var i = 0; i < arcs.Length; i++)
        {
            if (i > 0) into[at++] = '.';
            arcs[i].TryFormat(into[at..], out var n, default, CultureInfo.InvariantCulture);
            at += n;
        }
        return at;
    }

    /// <summary>The hash <see cref="GetHashCode"/> gives an OID of these arcs, so a span can be looked up as an OID.</summary>
    internal static int HashOf(ReadOnlySpan<uint> arcs)
    {
        var h = new HashCode();
        foreach (var a in arcs) h.Add(a);
        return h.ToHashCode() | 1;
    }

    /// <summary>Less than.</summary>
    public static bool operator <(Oid a, Oid b) => a.CompareTo(b) < 0;

    /// <summary>Greater than.</summary>
    public static bool operator >(Oid a, Oid b) => a.CompareTo(b) > 0;

    /// <summary>Less than or equal.</summary>
    public static bool operator <=(Oid a, Oid b) => a.CompareTo(b) <= 0;

    /// <summary>Greater than or equal.</summary>
    public static bool operator >=(Oid a, Oid b) => a.CompareTo(b) >= 0;

    /// <summary>Equal arcs.</summary>
    public static bool operator ==(Oid? a, Oid? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Different arcs.</summary>
    public static bool operator !=(Oid? a, Oid? b) => !(a == b);

    // BER content octets (X.690 §8.19): the first two arcs share one subidentifier, each in base-128 with the high bit
    // set on all but the last byte. A one-arc OID is encoded as arc.0, as net-snmp does.
    internal void WriteContent(List<byte> into)
    {
        var first = _arcs.Length == 0 ? 0UL : _arcs[0] * 40UL + (_arcs.Length > 1 ? _arcs[1] : 0U);
        WriteBase128(into, first);
        for (var i = 2; i < _arcs.Length; i++) WriteBase128(into, _arcs[i]);
    }

    internal int ContentLength()
    {
        var first = _arcs.Length == 0 ? 0UL : _arcs[0] * 40UL + (_arcs.Length > 1 ? _arcs[1] : 0U);
        var n = Base128Length(first);
        for (var i = 2; i < _arcs.Length; i++) n += Base128Length(_arcs[i]);
        return n;
    }

    private static int Base128Length(ulong v)
    {
        var n = 1;
        while ((v >>= 7) != 0) n++;
        return n;
    }

    private static void WriteBase128(List<byte> into, ulong v)
    {
        var n = Base128Length(v);
        for (var i = n - 1; i >= 0; i--)
            into.Add((byte)(((v >> (7 * i)) & 0x7F) | (i > 0 ? 0x80u : 0u)));
    }

    /// <summary>Decodes BER content octets; null with <paramref name="error"/> when they are not a valid SNMP OID.</summary>
    internal static Oid? FromContent(ReadOnlySpan<byte> content, out string? error)
    {
        error = null;
        if (content.IsEmpty) { error = "an empty OID"; return null; }
        if (content[^1] >= 0x80) { error = "an OID's last subidentifier is cut off"; return null; }
        // Count first so a 10,000-arc OID is refused before anything is allocated for it.
        var subids = 0;
        foreach (var b in content) if (b < 0x80) subids++;
        if (subids + 1 > MaxArcs) { error = $"an OID with more than {MaxArcs} arcs"; return null; }
        var arcs = new uint[subids + 1];
        var count = 0;
        ulong value = 0;
        var digits = 0;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (digits == 0 && b == 0x80) { error = "an OID subidentifier with a leading zero byte"; return null; }
            value = (value << 7) | (uint)(b & 0x7F);
            digits++;
            if (count == 0 ? value > uint.MaxValue + 80UL : value > uint.MaxValue) { error = "an OID arc larger than 32 bits"; return null; }
            if (b >= 0x80) continue;
            if (count == 0)
            {
                var top = value < 40 ? 0u : value < 80 ? 1u : 2u;
                arcs[0] = top;
                arcs[1] = (uint)(value - top * 40);
                count = 2;
            }
            else arcs[count++] = (uint)value;
            value = 0;
            digits = 0;
        }
        return new Oid(arcs);
    }
}

/// <summary>
/// OIDs compared by their arcs, with a span of arcs as the alternate key: a dictionary of OIDs can be asked about a
/// prefix of a longer OID without making an Oid of it.
/// </summary>
internal sealed class OidArcsComparer : IEqualityComparer<Oid>, IAlternateEqualityComparer<ReadOnlySpan<uint>, Oid>
{
    public static OidArcsComparer Instance { get; } = new();

    public bool Equals(Oid? x, Oid? y) => x == y;

    public int GetHashCode(Oid obj) => obj.GetHashCode();

    public bool Equals(ReadOnlySpan<uint> alternate, Oid other) => alternate.SequenceEqual(other.Arcs);

    public int GetHashCode(ReadOnlySpan<uint> alternate) => Oid.HashOf(alternate);

    public Oid Create(ReadOnlySpan<uint> alternate) => new(alternate);
}
