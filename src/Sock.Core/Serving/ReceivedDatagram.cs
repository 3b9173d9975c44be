using System.Net;

namespace Sock.Core.Serving;

/// <summary>
/// One datagram a <see cref="SocketServer"/> received. <see cref="Payload"/> is the server's receive buffer and the
/// sender's address is kept in place: both are valid until the handler's task completes, so copy what must outlive it.
/// </summary>
public readonly struct ReceivedDatagram
{
    private readonly DatagramReceiveLoop _listener;

    internal ReceivedDatagram(DatagramReceiveLoop listener, ReadOnlyMemory<byte> payload)
    {
        _listener = listener;
        Payload = payload;
    }

    /// <summary>The datagram's bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Where it came from (made when asked for; replies need not ask).</summary>
    public EndPoint Remote => _listener.CurrentPeer;

    /// <summary>The service (listener) name.</summary>
    public string Service => _listener.Name;

    /// <summary>
    /// sendto() the sender one datagram. A Unix datagram sender that bound no path has no address to reply to: nothing
    /// is sent. A reply a Unix peer has no room for is dropped, as UDP drops it, and counted as rejected.
    /// </summary>
    public ValueTask ReplyAsync(ReadOnlyMemory<byte> payload) => _listener.SendToAsync(payload);

    /// <summary>sendto() another UDP address from the same socket (a rendezvous forwarding to the sender's peer).</summary>
    internal ValueTask SendToAsync(ReadOnlyMemory<byte> payload, EndPoint to) => _listener.SendToAsync(payload, to);
}
