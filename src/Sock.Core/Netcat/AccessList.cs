using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Netcat;

/// <summary>
/// --allow/--deny: who may connect. Entries are addresses or CIDR ranges, IPv4 or IPv6; an IPv4 peer and its IPv4-mapped
/// IPv6 spelling are one peer, whichever way the entry or the socket writes it. As in ncat, when there is an allow list
/// only the peers on it get in, and a peer on the deny list is kept out even when the allow list names it too (deny
/// wins). Listeners of every kind (listen, and later forward and
/// proxy) decide through <see cref="Admits"/>.
/// </summary>
public sealed class AccessList
{
    private readonly List<IPNetwork> _allow;
    private readonly List<IPNetwork> _deny;

    private AccessList(List<IPNetwork> allow, List<IPNetwork> deny)
    {
        _allow = allow;
        _deny = deny;
    }

    /// <summary>True when no rule is set.</summary>
    public bool Empty => _allow.Count == 0 && _deny.Count == 0;

    /// <summary>Parses the entries (names are resolved unless <paramref name="noDns"/>).</summary>
    public static async Task<AccessList> CreateAsync(IEnumerable<string> allow, IEnumerable<string> deny, bool noDns, CancellationToken ct)
    {
        var a = new List<IPNetwork>();
        foreach (var e in allow) a.AddRange(await ParseAsync(e, "--allow", noDns, ct).ConfigureAwait(false));
        var d = new List<IPNetwork>();
        foreach (var e in deny) d.AddRange(await ParseAsync(e, "--deny", noDns, ct).ConfigureAwait(false));
        return new AccessList(a, d);
    }

    /// <summary>
    /// The entries of an --allowfile/--denyfile: separated by spaces, tabs or line ends (ncat reads "1.2.3.4 localhost"
    /// as two entries); '#' starts a comment.
    /// </summary>
    public static IEnumerable<string> ReadFile(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, "read host list", path, FileErrorText.Describe(ex, path, "cannot be read"));
        }
        foreach (var raw in lines)
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            foreach (var entry in line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)) yield return entry;
        }
    }

    /// <summary>
    /// Whether <paramref name="peer"/> may connect. An IPv4 peer is the same peer whether the socket shows it as
    /// 127.0.0.1 or, on a dual-stack listener, as ::ffff:127.0.0.1: both spellings are matched against every entry, so
    /// IPv4 entries, IPv4-mapped entries (::ffff:127.0.0.1, ::ffff:0:0/96) and IPv6 ranges holding the mapped range
    /// (::/0) all see it.
    /// </summary>
    public bool Admits(IPAddress peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var v4 = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        var mapped = v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? v4.MapToIPv6() : null;
        bool Matches(IPNetwork n) => InRange(n, v4) || (mapped is not null && InRange(n, mapped));
        if (_deny.Any(Matches)) return false;
        return _allow.Count == 0 || _allow.Any(Matches);
    }

    // The prefix compared byte by byte, for both families alike (IPNetwork.Contains does not see IPv4-mapped
    // addresses as members of an IPv6 range such as ::ffff:0:0/96).
    private static bool InRange(IPNetwork network, IPAddress address)
    {
        if (network.BaseAddress.AddressFamily != address.AddressFamily) return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        network.BaseAddress.TryWriteBytes(b, out _);
        var bits = network.PrefixLength;
        for (var i = 0; i < length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    }

    private static async Task<IEnumerable<IPNetwork>> ParseAsync(string entry, string what, bool noDns, CancellationToken ct)
    {
        var text = entry.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var ip = EndpointText.ParseAddress(text[..slash], what);
            if (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits)
                || bits > (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
                throw SockException.Usage(what, entry, "not a CIDR range (write 10.0.0.0/8 or fd00::/8)");
            return [Normalize(ip, bits)];
        }
        var addresses = await NameResolver.ResolveAsync(text, System.Net.Sockets.AddressFamily.Unspecified, noDns, ct).ConfigureAwait(false);
        return addresses.Select(a => new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
    }

    private static IPNetwork Normalize(IPAddress ip, int bits)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPNetwork(new IPAddress(bytes), bits);
    }
}
