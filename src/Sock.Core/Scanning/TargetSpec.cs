using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Scanning;

/// <summary>
/// Turns the targets of a scan into addresses: literal IPv4 and IPv6 addresses, host names (every address they
/// resolve to of the wanted family; the first one when <c>allAddresses</c> is false, as nmap does), and CIDR ranges
/// (<c>127.0.0.0/30</c>, <c>fd00::/126</c>), which stand for every address in the range.
/// </summary>
public static class TargetSpec
{
    /// <summary>The most addresses one CIDR range may expand to: a /16 of IPv4, or a /112 of IPv6.</summary>
    public const int MaxRangeAddresses = 65536;

    /// <summary>
    /// The most addresses one scan may hold, all targets together: as many as one range. Without it 256 /16s (16.7
    /// million addresses) were each within the range limit and together took gigabytes before the first probe.
    /// </summary>
    public const int MaxTargets = 65536;

    /// <summary>True when <paramref name="text"/> is written as a CIDR range (has a slash).</summary>
    public static bool IsRange(string text) => text.Contains('/', StringComparison.Ordinal);

    /// <summary>
    /// Expands a CIDR range. A malformed range, a prefix out of range or a range larger than
    /// <see cref="MaxRangeAddresses"/> is a usage error.
    /// </summary>
    public static IReadOnlyList<IPAddress> ExpandRange(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = EndpointText.Unbracket(text[..slash].Trim());
        var prefixText = text[(slash + 1)..].Trim();
        if (!IPAddress.TryParse(addressText, out var network) || !EndpointText.LooksLikeAddress(addressText))
            throw SockException.Usage("CIDR range", text, $"'{addressText}' is not an IPv4 or IPv6 address");
        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixText.Length == 0 || prefixText.Length > 3 || !prefixText.All(char.IsAsciiDigit) || int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture) > bits)
            throw SockException.Usage("CIDR range", text, $"the prefix length must be a number from 0 to {bits}");
        var prefix = int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture);
        var hostBits = bits - prefix;
        if (hostBits > 16)
            throw SockException.Usage("CIDR range", text, $"too large ({(BigInteger.One << hostBits):N0} addresses; at most /{bits - 16}, {MaxRangeAddresses:N0} addresses)");
        var bytes = network.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var mask = ((BigInteger.One << bits) - 1) ^ ((BigInteger.One << hostBits) - 1);
        var first = value & mask;
        var count = 1 << hostBits;
        var list = new List<IPAddress>(count);
        for (var i = 0; i < count; i++)
        {
            var b = (first + i).ToByteArray(isUnsigned: true, isBigEndian: true);
            var full = new byte[bytes.Length];
            b.CopyTo(full, full.Length - b.Length);
            list.Add(new IPAddress(full));
        }
        return list;
    }

    private static SockException TooMany(IEnumerable<string> inputs)
    {
        var text = string.Join(' ', inputs);
        if (text.Length > 60) text = text[..57] + "...";
        return SockException.Usage("targets", text,
            $"more than {MaxTargets:N0} addresses in all (one scan holds at most a /16's worth; scan the ranges one at a time)");
    }

    // How many addresses a well-formed range holds (0 when it is malformed or too large: ExpandRange says why).
    private static long RangeSize(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = EndpointText.Unbracket(text[..slash].Trim());
        var prefixText = text[(slash + 1)..].Trim();
        if (!IPAddress.TryParse(addressText, out var network)) return 0;
        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit)) return 0;
        var hostBits = bits - int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture);
        return hostBits is >= 0 and <= 16 ? 1L << hostBits : 0;
    }

    /// <summary>
    /// Resolves every target. Usage errors (a bad CIDR range, a malformed address) throw; names that do not resolve
    /// are returned in <c>Failures</c> so the others can still be scanned. Duplicate addresses are scanned once.
    /// </summary>
    public static async Task<(IReadOnlyList<ScanTarget> Targets, IReadOnlyList<TargetFailure> Failures)> ResolveAsync(
        IEnumerable<string> inputs, AddressFamily family = AddressFamily.Unspecified, bool noDns = false,
        bool allAddresses = false, CancellationToken cancellationToken = default)
    {
        var targets = new List<ScanTarget>();
        var failures = new List<TargetFailure>();
        var seen = new HashSet<IPAddress>();
        void Add(ScanTarget t)
        {
            if (!seen.Add(t.Address)) return;
            if (targets.Count == MaxTargets)
                throw TooMany(inputs);
            targets.Add(t);
        }
        foreach (var raw in inputs)
        {
            var input = raw.Trim();
            if (input.Length == 0)
                throw SockException.Usage("target", "''", "empty (give a host name, an address or a CIDR range)");
            if (IsRange(input))
            {
                // Checked before expanding, so a range that would pass the total is never materialised.
                var size = RangeSize(input);
                if (targets.Count + size > MaxTargets && size > 0)
                    throw TooMany(inputs);
                foreach (var a in ExpandRange(input))
                {
                    if (family != AddressFamily.Unspecified && a.AddressFamily != family)
                        throw SockException.Usage("target", input, family == AddressFamily.InterNetwork
                            ? "is IPv6 but -4 asks for IPv4" : "is IPv4 but -6 asks for IPv6");
                    Add(new ScanTarget(input, a, null));
                }
                continue;
            }
            IPAddress[] addresses;
            try
            {
                addresses = await NameResolver.ResolveAsync(input, family, noDns, cancellationToken).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.Kind != SockErrorKind.Usage)
            {
                failures.Add(new TargetFailure(input, ex.Reason));
                continue;
            }
            var isName = !(IPAddress.TryParse(EndpointText.Unbracket(input), out _) && EndpointText.LooksLikeAddress(EndpointText.Unbracket(input)));
            foreach (var a in allAddresses ? addresses : addresses.Take(1))
                Add(new ScanTarget(input, a, isName ? input : null));
        }
        return (targets, failures);
    }
}
