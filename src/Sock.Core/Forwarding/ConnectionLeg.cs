using System.IO.Pipelines;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;

namespace Sock.Core.Forwarding;

/// <summary>
/// A <see cref="Connection"/> as a leg: the accepted client (the server closes it when the handler returns) or a target
/// connection made by <see cref="SocketClient"/> (closed when the leg is disposed). The pipes are taken when the leg is
/// made, so over TLS they are the session's plaintext pipes.
/// </summary>
internal sealed class ConnectionLeg : ForwardLeg
{
    private readonly bool _owned;

    public ConnectionLeg(Connection connection, bool owned, string? description = null, IDuplexPipe? transport = null)
    {
        Connection = connection;
        _owned = owned;
        Transport = transport ?? connection.Transport;
        Description = description ?? Describe(connection);
    }

    public Connection Connection { get; }

    public override IDuplexPipe Transport { get; }

    public override string Description { get; }

    public override SocketRecord? Record => Connection.Record;

    public override bool InputReset => Connection.PeerReset;

    public override void Abort(string reason, bool reset)
    {
        if (reset) Connection.Reset(reason);
        else Connection.Abort(reason);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_owned) await Connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The peer as the logs name it; an unnamed Unix client as "unix:(unnamed)".</summary>
    internal static string Describe(Connection connection) => connection.RemoteEndPoint switch
    {
        UnixDomainSocketEndPoint u when string.IsNullOrEmpty(u.ToString()) => "unix:(unnamed)",
        UnixDomainSocketEndPoint u => "unix:" + EndpointText.Format(u),
        var ep => EndpointText.Format(ep),
    };
}
