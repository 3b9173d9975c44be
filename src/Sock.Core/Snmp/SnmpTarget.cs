using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Scanning;

namespace Sock.Core.Snmp;

/// <summary>
/// An agent to ask, written as net-snmp writes it — HOST, HOST:PORT, [v6]:PORT, udp:HOST:PORT, udp6:[v6]:PORT,
/// tcp:HOST:PORT, tcp6:[v6]:PORT — or a CIDR range of agents on <see cref="DefaultPort"/>.
/// </summary>
/// <param name="Label">How the user wrote it (for a range, the address).</param>
/// <param name="EndPoint">Where to send.</param>
public sealed record SnmpTarget(string Label, IPEndPoint EndPoint)
{
    /// <summary>True for tcp: and tcp6: (RFC 3430, SNMP over TCP); UDP otherwise.</summary>
    public bool Tcp { get; init; }

    /// <summary>SNMP's port.</summary>
    public const int DefaultPort = 161;

    /// <summary>True when <paramref name="text"/> reads as an agent (not as an OID); see <see cref="ParseAsync"/>.</summary>
    public static bool LooksLikeTarget(string text) => !MibNames.TryParse(text, out _, out _);

    /// <summary>The agents <paramref name="text"/> names (one, or each address of a range).</summary>
    public static async Task<IReadOnlyList<SnmpTarget>> ParseAsync(string text, int port = DefaultPort, CancellationToken ct = default)
    {
        var s = text;
        var family = AddressFamily.Unspecified;
        var tcp = false;
        foreach (var (prefix, f, t) in new[] { ("udp:", AddressFamily.InterNetwork, false), ("udp6:", AddressFamily.InterNetworkV6, false),
                     ("tcp:", AddressFamily.InterNetwork, true), ("tcp6:", AddressFamily.InterNetworkV6, true) })
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) { s = s[prefix.Length..]; family = f; tcp = t; break; }
        if (TargetSpec.IsRange(s))
            return TargetSpec.ExpandRange(s).Select(a => new SnmpTarget(a.ToString(), new IPEndPoint(a, port)) { Tcp = tcp }).ToList();
        var (host, portText) = EndpointText.Split(s);
        var p = portText is null ? port : Ports.Parse(portText, "port");
        // udp:HOST asks for IPv4 only when HOST is a name; an IPv6 literal after udp: is what the user meant.
        var literal = IPAddress.TryParse(EndpointText.Unbracket(host), out var ip) && EndpointText.LooksLikeAddress(EndpointText.Unbracket(host));
        var addresses = literal ? [ip!] : await NameResolver.ResolveAsync(host, family, cancellationToken: ct).ConfigureAwait(false);
        return [new SnmpTarget(text, new IPEndPoint(addresses[0], p)) { Tcp = tcp }];
    }
}
