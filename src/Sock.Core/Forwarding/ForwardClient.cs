using System.Net;

namespace Sock.Core.Forwarding;

/// <summary>The client a target opens its leg for: the session's number and the client's addresses (what socat's EXEC passes as SOCAT_PEERADDR).</summary>
public sealed record ForwardClient
{
    /// <summary>The forwarder's number for this client's session.</summary>
    public required long SessionId { get; init; }

    /// <summary>The client's address; null when the client is not a socket.</summary>
    public EndPoint? Remote { get; init; }

    /// <summary>The local address the client connected to; null when the client is not a socket.</summary>
    public EndPoint? Local { get; init; }

    /// <summary>The client as the logs name it.</summary>
    public required string Description { get; init; }

    /// <summary>The forwarder's observer, for a target to report its retries; null when nobody listens.</summary>
    internal ForwardObserver? Observer { get; init; }

    /// <summary>The client's leg is spliced (<see cref="SpliceLeg"/>): a target that can gives a spliced leg too.</summary>
    internal bool Splice { get; init; }
}
