namespace Sock.Core.Forwarding;

/// <summary>
/// Where a forwarder sends each client: it opens "the other leg" for every accepted client. <see cref="SocketTarget"/>
/// connects a socket (TCP, Unix, TLS); a target of another kind (a program per client, a file, a terminal) returns a
/// <see cref="StreamLeg"/> or a <see cref="ForwardLeg"/> of its own, and the relay carries it unchanged.
/// </summary>
public interface IForwardTarget
{
    /// <summary>The target as the logs name it: <c>tcp:127.0.0.1:80</c>, <c>unix:/run/app.sock</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Opens the leg for <paramref name="client"/>. A failure (refused, unreachable, a certificate not trusted) is a
    /// <see cref="Errors.SockException"/>: the forwarder closes that client and reports why; other clients go on.
    /// <paramref name="cancellationToken"/> is cancelled when the client goes away or the forwarder stops.
    /// </summary>
    ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken);
}
