using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Stun;

/// <summary>
/// What RFC 5780's tests found about the NAT between this host and a STUN server with two addresses.
/// <see cref="Mapping"/> and <see cref="Filtering"/> are "endpoint-independent", "address-dependent",
/// "address-and-port-dependent", or "none" (no NAT: the mapped address is the local one).
/// </summary>
internal sealed record NatBehavior(
    IPEndPoint Local, IPEndPoint Server, IPEndPoint Other,
    IPEndPoint Mapped, IPEndPoint? MappedViaOtherAddress, IPEndPoint? MappedViaOtherAddressAndPort,
    string Mapping, string Filtering, bool AnsweredFromOtherAddress, bool AnsweredFromOtherPort)
{
    /// <summary>What the two behaviours mean for hole punching, in a sentence.</summary>
    public string Meaning => (Mapping, Filtering) switch
    {
        ("none", _) => "no NAT: peers reach this address directly, as far as a firewall lets them",
        ("endpoint-independent", "endpoint-independent") =>
            "hole punching works (a full-cone NAT): every destination sees this port under one public address, and anyone may send to it",
        ("endpoint-independent", _) =>
            "hole punching works: every destination sees this port under one public address, which lets a peer in once this side has sent to the peer (checks both ways at once)",
        _ => "hole punching fails against most peers: the public port changes with the destination, so the mapping a rendezvous or STUN server sees is not the one a peer would reach; a relay is needed (TURN, or sock peer --relay-ok)",
    };
}

/// <summary>
/// RFC 5780's NAT behaviour discovery over UDP (§4.3 mapping, §4.4 filtering) against a server that reports
/// OTHER-ADDRESS (coturn with two listening addresses, for one). Mapping: Binding to the primary address; to the other
/// address at the primary port; to the other address and port — compare the mapped addresses. Filtering, from a fresh
/// socket that has sent only to the primary address (so no earlier test opened the NAT for the other address):
/// CHANGE-REQUEST (change IP and port), then (change port) — does an answer from there get in?
/// </summary>
internal static class NatBehaviorDiscovery
{
    /// <summary>How long a filtering test waits for an answer that a filtering NAT drops (by default).</summary>
    public static readonly TimeSpan DefaultFilteringWait = TimeSpan.FromSeconds(2);

    public static async Task<NatBehavior> DiscoverAsync(IPEndPoint server, IPEndPoint local, StunRetransmission schedule, TimeSpan? limit,
        TimeSpan filteringWait, SocketTrace? trace, CancellationToken ct)
    {
        using var socket = TracedSocket.Create(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
        socket.Bind(local);
        var first = await StunClient.BindUdpAsync(socket, server, schedule, limit, ct).ConfigureAwait(false);
        var other = first.OtherAddress ?? throw new SockException(SockErrorKind.Network, "stun behavior test with", EndpointText.Format(server),
            "the server has no second address (no OTHER-ADDRESS in its answer): RFC 5780's tests need one, e.g. coturn with two listening-ip of one family");
        var mapped = first.Mapped;
        IPEndPoint? viaAddress = null, viaBoth = null;
        string mapping;
        if (!first.BehindNat) mapping = "none";
        else
        {
            viaAddress = (await StunClient.BindUdpAsync(socket, new IPEndPoint(other.Address, server.Port), schedule, limit, ct).ConfigureAwait(false)).Mapped;
            if (viaAddress.Equals(mapped)) mapping = "endpoint-independent";
            else
            {
                viaBoth = (await StunClient.BindUdpAsync(socket, other, schedule, limit, ct).ConfigureAwait(false)).Mapped;
                mapping = viaBoth.Equals(viaAddress) ? "address-dependent" : "address-and-port-dependent";
            }
        }

        // Filtering, from a socket that has talked to the primary address only.
        using var fresh = TracedSocket.Create(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
        fresh.Bind(new IPEndPoint(first.Local.Address, 0));
        _ = await StunClient.BindUdpAsync(fresh, server, schedule, limit, ct).ConfigureAwait(false);
        var fromOtherAddress = await ChangedAnswerAsync(fresh, server, changeIp: true, changePort: true, schedule, filteringWait, ct).ConfigureAwait(false);
        var fromOtherPort = fromOtherAddress || await ChangedAnswerAsync(fresh, server, changeIp: false, changePort: true, schedule, filteringWait, ct).ConfigureAwait(false);
        var filtering = mapping == "none" && fromOtherAddress ? "none"
            : fromOtherAddress ? "endpoint-independent"
            : fromOtherPort ? "address-dependent"
            : "address-and-port-dependent";
        return new NatBehavior(first.Local, server, other, mapped, viaAddress, viaBoth, mapping, filtering, fromOtherAddress, fromOtherPort);
    }

    /// <summary>A Binding with CHANGE-REQUEST: true when an answer arrived (from wherever the server sent it), false when none came in time.</summary>
    private static async Task<bool> ChangedAnswerAsync(TracedSocket socket, IPEndPoint server, bool changeIp, bool changePort, StunRetransmission schedule,
        TimeSpan wait, CancellationToken ct)
    {
        var request = StunMessage.BindingRequest();
        request.ChangeIp = changeIp;
        request.ChangePort = changePort;
        var answer = await StunClient.TransactUdpAsync(socket, server, request, schedule, wait, ct).ConfigureAwait(false);
        if (answer is { } a && a.Response.Class == StunClass.ErrorResponse)
            throw new SockException(SockErrorKind.Network, "stun behavior test with", EndpointText.Format(server),
                $"the server refused CHANGE-REQUEST ({a.Response.ErrorCode} {a.Response.ErrorReason}): it cannot answer from its second address");
        return answer is not null;
    }
}
