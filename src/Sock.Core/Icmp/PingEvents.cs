using System.Net;

namespace Sock.Core.Icmp;

/// <summary>A reply to one of our requests.</summary>
/// <param name="Host">The host it answers for.</param>
/// <param name="Sequence">icmp_seq (tcp_seq, udp_seq for the other methods), from 1.</param>
/// <param name="Bytes">The ICMP message's length (header and payload), as ping prints it; 0 for TCP.</param>
/// <param name="Ttl">The TTL or hop limit it arrived with; -1 when unknown.</param>
/// <param name="RoundTripMicros">The round trip in µs, from just before sendto to the kernel's receive stamp.</param>
/// <param name="Duplicate">A second reply to the same request.</param>
/// <param name="ChecksumBad">The checksum did not verify; such a reply is counted as corrupted, not received.</param>
/// <param name="From">The address that answered.</param>
/// <param name="Method">How it was asked: ICMP echo, a TCP connect, a UDP datagram.</param>
/// <param name="Note">For TCP and UDP: "open", "refused", "port unreachable"…</param>
/// <param name="At">When it arrived (wall clock), for -D.</param>
/// <remarks>A struct: a flood makes one for every reply, and an observer that keeps none should cost no allocation.</remarks>
public readonly record struct PingReply(PingHost Host, int Sequence, int Bytes, int Ttl, long RoundTripMicros, bool Duplicate,
    bool ChecksumBad, IPAddress From, PingMethod Method, string? Note, DateTimeOffset At);

/// <summary>An ICMP error one of our requests caused, or a send the system refused.</summary>
/// <param name="Host">The host the request was for.</param>
/// <param name="Sequence">Its sequence.</param>
/// <param name="From">The router or host that sent the error (null for a local refusal).</param>
/// <param name="Text">In iputils' words: "Destination Host Unreachable", "Time to live exceeded".</param>
/// <param name="At">When it arrived.</param>
public sealed record PingProblem(PingHost Host, int Sequence, IPAddress? From, string Text, DateTimeOffset At);

/// <summary>Hears each request, reply and error as it happens (the CLI prints them).</summary>
public interface IPingObserver
{
    /// <summary>The socket for some hosts (one address family) is chosen; their requests follow.</summary>
    void Started(PingMethodChoice method, IReadOnlyList<PingHost> hosts);

    /// <summary>A request went out.</summary>
    void Sent(PingHost host, int sequence);

    /// <summary>A reply came in.</summary>
    void Reply(PingReply reply);

    /// <summary>An ICMP error or a refused send.</summary>
    void Problem(PingProblem problem);
}

/// <summary>The outcome: the method used, every host's figures, and the time from the first request to the end.</summary>
/// <param name="Methods">The method per address family used (one or two).</param>
/// <param name="Hosts">Every host in the order given.</param>
/// <param name="Elapsed">From the first request to the end, as ping's "time".</param>
public sealed record PingReport(IReadOnlyList<PingMethodChoice> Methods, IReadOnlyList<PingHost> Hosts, TimeSpan Elapsed);
