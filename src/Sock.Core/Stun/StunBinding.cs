using System.Net;

namespace Sock.Core.Stun;

/// <summary>What one Binding transaction learned.</summary>
/// <param name="Transport">"udp" or "tcp".</param>
/// <param name="Local">The local address the request left from (getsockname).</param>
/// <param name="Server">The server's address the request went to.</param>
/// <param name="Mapped">The server-reflexive address: where the server saw the request come from.</param>
/// <param name="ResponseOrigin">RESPONSE-ORIGIN, or for UDP the address the response really came from.</param>
/// <param name="OtherAddress">OTHER-ADDRESS: the server's alternate address, when it has one (RFC 5780).</param>
/// <param name="Software">The server's SOFTWARE attribute.</param>
/// <param name="Rtt">From the last send of the request to its response.</param>
/// <param name="Attempts">How many times the request was sent.</param>
/// <param name="Fingerprint">Whether the response carried a (valid) FINGERPRINT.</param>
public sealed record StunBinding(string Transport, IPEndPoint Local, IPEndPoint Server, IPEndPoint Mapped, IPEndPoint? ResponseOrigin,
    IPEndPoint? OtherAddress, string? Software, TimeSpan Rtt, int Attempts, bool Fingerprint)
{
    /// <summary>True when the mapped address is the local one: no NAT between this host and the server.</summary>
    public bool BehindNat => !(Normalize(Mapped.Address).Equals(Normalize(Local.Address)) && Mapped.Port == Local.Port);

    internal static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
