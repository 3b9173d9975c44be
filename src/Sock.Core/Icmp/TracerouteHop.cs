using System.Net;

namespace Sock.Core.Icmp;

/// <summary>One probe's outcome.</summary>
/// <param name="From">Who answered (a router's time exceeded, the destination's reply or unreachable); null for no answer (traceroute's *).</param>
/// <param name="RoundTripMicros">The round trip in µs; null for no answer.</param>
/// <param name="Mark">traceroute's annotation: !H, !N, !P, !X… for unreachables other than the expected one; empty otherwise.</param>
/// <param name="Reached">The destination itself answered.</param>
public sealed record TracerouteProbe(IPAddress? From, long? RoundTripMicros, string Mark, bool Reached);

/// <summary>One TTL's probes.</summary>
/// <param name="Ttl">The TTL (hop number).</param>
/// <param name="Probes">Each probe, in the order sent.</param>
/// <param name="Pmtu">The path MTU learned at this hop, when it dropped here (--mtu).</param>
public sealed record TracerouteHop(int Ttl, IReadOnlyList<TracerouteProbe> Probes, int? Pmtu)
{
    /// <summary>True when any probe reached the destination or met an unreachable that ends the trace.</summary>
    public bool Final => Probes.Any(p => p.Reached || p.Mark.Length > 0);
}

/// <summary>Hears each hop as it completes, in order.</summary>
public interface ITracerouteObserver
{
    /// <summary>The probes are about to go: the packet length and the method's socket in words.</summary>
    void Started(IPAddress destination, int maxHops, int packetLength, string method);

    /// <summary>One hop is done (every probe answered or timed out).</summary>
    void Hop(TracerouteHop hop);
}

/// <summary>The outcome of a traceroute.</summary>
/// <param name="Destination">The address traced.</param>
/// <param name="Method">How it was probed, in words: "UDP to port 33434+ (errors from IP_RECVERR)".</param>
/// <param name="PacketLength">The packet length probes started with.</param>
/// <param name="Hops">Every hop probed.</param>
/// <param name="Reached">True when the destination answered.</param>
/// <param name="Pmtu">The path MTU at the end (--mtu), else null.</param>
public sealed record TracerouteReport(IPAddress Destination, string Method, int PacketLength, IReadOnlyList<TracerouteHop> Hops, bool Reached, int? Pmtu);
