using System.Net;
using System.Net.Sockets;

namespace Sock.Core.Inspection.Filtering;

/// <summary>One node of a parsed filter expression.</summary>
internal abstract record FilterNode
{
    public abstract bool Matches(SocketTableEntry row);
}

// And and or hold their terms in a list rather than as nested pairs, so a long chain ("a or b or c …", thousands of
// terms) is one level deep and matching it never recurses per term.
internal sealed record AndNode(IReadOnlyList<FilterNode> Terms) : FilterNode
{
    public override bool Matches(SocketTableEntry row)
    {
        foreach (var t in Terms)
            if (!t.Matches(row)) return false;
        return true;
    }
}

internal sealed record OrNode(IReadOnlyList<FilterNode> Terms) : FilterNode
{
    public override bool Matches(SocketTableEntry row)
    {
        foreach (var t in Terms)
            if (t.Matches(row)) return true;
        return false;
    }
}

internal sealed record NotNode(FilterNode Inner) : FilterNode
{
    public override bool Matches(SocketTableEntry row) => !Inner.Matches(row);
}

internal sealed record StateNode(uint Mask) : FilterNode
{
    public override bool Matches(SocketTableEntry row) => (SocketStates.BitOf(row.State) & Mask) != 0;
}

internal enum CompareOp { Eq, Ne, Lt, Gt, Le, Ge }

/// <summary>sport/dport OP PORT. Unix sockets have no ports and never match.</summary>
internal sealed record PortNode(bool Source, CompareOp Op, int Port) : FilterNode
{
    public override bool Matches(SocketTableEntry row)
    {
        if (row.IsUnix) return false;
        var p = Source ? row.LocalPort : row.PeerPort;
        return Op switch
        {
            CompareOp.Eq => p == Port,
            CompareOp.Ne => p != Port,
            CompareOp.Lt => p < Port,
            CompareOp.Gt => p > Port,
            CompareOp.Le => p <= Port,
            _ => p >= Port,
        };
    }
}

/// <summary>
/// src/dst HOST: an address with an optional prefix length and port (either may be a wildcard), or a Unix path
/// pattern with * wildcards. IPv4 conditions also match IPv4-mapped IPv6 addresses, as ss does.
/// </summary>
internal sealed record HostNode(bool Source, IPAddress? Address, int PrefixLength, int? Port, string? PathPattern) : FilterNode
{
    public override bool Matches(SocketTableEntry row)
    {
        if (PathPattern is not null)
        {
            if (!row.IsUnix) return false;
            return Source && Glob(PathPattern, row.Path ?? "*");
        }
        if (row.IsUnix) return false;
        var addr = Source ? row.LocalAddress : row.PeerAddress;
        var port = Source ? row.LocalPort : row.PeerPort;
        if (Port is { } want && port != want) return false;
        if (Address is null || addr is null) return Address is null;
        if (Address.AddressFamily == AddressFamily.InterNetwork && addr.IsIPv4MappedToIPv6) addr = addr.MapToIPv4();
        if (addr.AddressFamily != Address.AddressFamily) return false;
        return PrefixMatches(addr.GetAddressBytes(), Address.GetAddressBytes(), PrefixLength);
    }

    private static bool PrefixMatches(byte[] a, byte[] b, int bits)
    {
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    }

    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == text[t]) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
