using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;

namespace Sock.Core.Netcat;

/// <summary>
/// What the serving engine reports to a one-client or -k -e/-c listener, in netcat's terms: a peer refused at accept
/// (--allow/--deny, -m), or a connection lost before it was set up.
/// </summary>
internal sealed class NetcatServerObserver(INetcatObserver log) : IServerObserver
{
    void IServerObserver.Rejected(string service, EndPoint? remote, string reason) =>
        log.On(new ClientRefused(PeerText(remote), reason));

    void IServerObserver.Failed(string service, Exception error) => log.On(error switch
    {
        // The peer reset before its connection was set up (getpeername or setsockopt failed): the listener goes on.
        SocketException s => new ConnectionLost(SocketErrorText.Describe(s.SocketErrorCode)),
        SockException { SocketError: SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable } s => new AcceptFailed(s.Reason),
        _ => new ListenerFailed(service, error.Message),
    });

    private static string PeerText(EndPoint? ep) =>
        ep is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "a local client" : EndpointText.Format(ep);
}
