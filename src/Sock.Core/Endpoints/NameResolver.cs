using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;

namespace Sock.Core.Endpoints;

/// <summary>Turns a host as typed into addresses, honouring -4/-6 and -n (no DNS).</summary>
internal static class NameResolver
{
    /// <summary>True when <paramref name="host"/> is an address written out (as <see cref="ResolveAsync"/> takes it, without a lookup).</summary>
    internal static bool TryLiteral(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        var h = EndpointText.Unbracket(host);
        if (IPAddress.TryParse(h, out address) && EndpointText.LooksLikeAddress(h)) return true;
        address = null;
        return false;
    }

    /// <summary>
    /// Resolves <paramref name="host"/>. Literal addresses never touch DNS. With <paramref name="noDns"/>, a name is a
    /// usage error; a name that does not resolve is a network error (exit 1, as ncat).
    /// </summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, AddressFamily family = AddressFamily.Unspecified,
        bool noDns = false, CancellationToken cancellationToken = default)
    {
        var h = EndpointText.Unbracket(host);
        if (IPAddress.TryParse(h, out var literal) && (EndpointText.LooksLikeAddress(h)))
        {
            if (family != AddressFamily.Unspecified && literal.AddressFamily != family)
                throw SockException.Usage("address", host, family == AddressFamily.InterNetwork
                    ? "is IPv6 but -4 asks for IPv4" : "is IPv4 but -6 asks for IPv6");
            return [literal];
        }
        if (noDns)
            throw SockException.Usage("address", host, "is a name, and -n forbids name lookups");
        if (h.Length == 0 || h.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '[' || c == ']'))
            throw SockException.Usage("address", host, "not an address or host name");
        try
        {
            var all = await Dns.GetHostAddressesAsync(h, family, cancellationToken).ConfigureAwait(false);
            if (all.Length == 0)
                throw new SockException(SockErrorKind.Network, "resolve", host, "name has no address of that family", SocketError.NoData);
            return all;
        }
        catch (SocketException ex)
        {
            throw SockException.FromSocket("resolve", host, ex);
        }
    }
}
