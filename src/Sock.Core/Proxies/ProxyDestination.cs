using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// Where a proxy is asked to connect: an address, or a name the proxy resolves. Which one follows
/// <see cref="ProxyDns"/> and what the protocol can carry.
/// </summary>
/// <param name="Address">The address to send, or null when <paramref name="Name"/> goes to the proxy.</param>
/// <param name="Name">The host name to send when there is no address.</param>
/// <param name="Port">The destination port.</param>
internal readonly record struct ProxyDestination(IPAddress? Address, string? Name, int Port)
{
    /// <summary>"10.1.2.3:22", "[::1]:22", "example.org:22": how messages, traces and HTTP's authority write it.</summary>
    public override string ToString() => Address is { } a
        ? EndpointText.Format(a, Port)
        : string.Create(CultureInfo.InvariantCulture, $"{Name}:{Port}");

    /// <summary>
    /// The destination for <paramref name="host"/> as <paramref name="dns"/> says: an address stays an address; a name
    /// is resolved here (local), passed on (remote), resolved here or else passed on (both), or refused (none). SOCKS4
    /// cannot carry a name or an IPv6 address, so for it a name is always resolved here, to IPv4.
    /// </summary>
    public static async Task<ProxyDestination> ResolveAsync(string host, int port, ProxyType type, ProxyDns dns, AddressFamily family,
        CancellationToken cancellationToken)
    {
        var h = EndpointText.Unbracket(host);
        if (IPAddress.TryParse(h, out var literal) && EndpointText.LooksLikeAddress(h))
        {
            if (type == ProxyType.Socks4 || type == ProxyType.Socks4a)
            {
                if (literal.IsIPv4MappedToIPv6) literal = literal.MapToIPv4();
                if (literal.AddressFamily != AddressFamily.InterNetwork)
                    throw SockException.Usage("destination", host, $"{ProxySpec.ProtocolName(type)} carries only IPv4 addresses; use socks5 or http");
            }
            return new ProxyDestination(literal, null, port);
        }
        if (dns == ProxyDns.None)
            throw SockException.Usage("destination", host, "is a name, and --proxy-dns none resolves no names: give an address");
        if (type == ProxyType.Socks4)
        {
            // SOCKS4 has room for four address bytes only; SOCKS4a is the protocol that passes names.
            var v4 = await NameResolver.ResolveAsync(h, AddressFamily.InterNetwork, noDns: false, cancellationToken).ConfigureAwait(false);
            return new ProxyDestination(v4[0], null, port);
        }
        if (System.Text.Encoding.UTF8.GetByteCount(h) > 255)
            throw SockException.Usage("destination", host, "a host name for a proxy is at most 255 bytes");
        switch (dns)
        {
            case ProxyDns.Remote:
                return new ProxyDestination(null, h, port);
            case ProxyDns.Local:
                return new ProxyDestination(await ResolveHereAsync(h, type, family, cancellationToken).ConfigureAwait(false), null, port);
            default:
                try
                {
                    return new ProxyDestination(await ResolveHereAsync(h, type, family, cancellationToken).ConfigureAwait(false), null, port);
                }
                catch (SockException e) when (e.Kind == SockErrorKind.Network)
                {
                    return new ProxyDestination(null, h, port);
                }
        }
    }

    private static async Task<IPAddress> ResolveHereAsync(string host, ProxyType type, AddressFamily family, CancellationToken ct)
    {
        if (type == ProxyType.Socks4a) family = AddressFamily.InterNetwork;
        var all = await NameResolver.ResolveAsync(host, family, noDns: false, ct).ConfigureAwait(false);
        return all[0];
    }
}
