using System.Net;

namespace Sock.Core.Peer;

/// <summary>
/// What `sock peer --rendezvous HOST:PORT --name ME --to THEM` asks for. <see cref="Bind"/> is the local address (port 0:
/// any) the peer registers, punches and talks from; <see cref="Wait"/> bounds the wait for the other peer to register,
/// <see cref="Checks"/> the connectivity checks after the introduction.
/// </summary>
internal sealed record RendezvousRequest(IPEndPoint Rendezvous, string Name, string To, IPEndPoint Bind, bool RelayOk, TimeSpan Wait, TimeSpan Checks);

/// <summary>The path a rendezvous peer ended with.</summary>
/// <param name="Socket">Connected to <paramref name="Remote"/> (the peer, or the rendezvous when relayed).</param>
/// <param name="Remote">Where the data goes.</param>
/// <param name="Kind">"host", "server-reflexive", "peer-reflexive" (an address only the peer's packets showed), or "relay".</param>
/// <param name="Rtt">The check's round trip.</param>
/// <param name="Session">The introduction's session id (the UDP stream's too).</param>
/// <param name="Elapsed">From the start to the working path.</param>
/// <param name="Failure">When relayed: why the direct checks failed.</param>
internal sealed record PunchedPath(Sockets.TracedSocket Socket, IPEndPoint Remote, string Kind, TimeSpan? Rtt, ulong Session, TimeSpan Elapsed, string? Failure)
{
    public bool Relayed => Kind == "relay";
}

/// <summary>A peer as the rendezvous introduced it.</summary>
internal sealed record PeerIntroduction(string Name, ulong Session, IPEndPoint ServerReflexive, IReadOnlyList<IPEndPoint> Host, string? Mapping, bool RelayOk)
{
    public static PeerIntroduction? From(RendezvousMessage m)
    {
        if (m.Verb != RendezvousMessage.Intro || m.At(0) is not { } name || RendezvousMessage.ParseHex(m.At(1)) is not { } session
            || RendezvousMessage.ParseEndPoint(m.At(2)) is not { } srflx) return null;
        return new PeerIntroduction(name, session, srflx, RendezvousMessage.ParseEndPoints(m.Value("host")), m.Value("mapping"), m.Flag("relay-ok"));
    }

    /// <summary>The candidates to check, server-reflexive first, without duplicates.</summary>
    public List<(IPEndPoint EndPoint, string Kind)> Candidates()
    {
        var list = new List<(IPEndPoint, string)> { (ServerReflexive, "server-reflexive") };
        foreach (var h in Host)
            if (!h.Equals(ServerReflexive)) list.Add((h, "host"));
        return list;
    }
}
