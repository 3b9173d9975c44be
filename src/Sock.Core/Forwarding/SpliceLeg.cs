using System.IO.Pipelines;
using Sock.Core.Connections;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// A socket as a leg the relay splices (Linux): the <see cref="Connection"/> keeps its record, counters, close reason and
/// its Closed token, but no transport loop runs on it and it has no pipes — the relay moves its bytes in the kernel
/// (<see cref="SpliceRelay"/>). The accepted client (the server closes it when the handler returns) or a target socket
/// the leg owns (closed when the leg is disposed).
/// </summary>
internal sealed class SpliceLeg : ForwardLeg
{
    private readonly bool _owned;

    public SpliceLeg(Connection connection, TracedSocket socket, bool owned, string? description = null)
    {
        Connection = connection;
        Socket = socket;
        _owned = owned;
        Description = description ?? ConnectionLeg.Describe(connection);
    }

    public Connection Connection { get; }

    public TracedSocket Socket { get; }

    /// <summary>The socket's registration on the relay's reactor when it was connected there (the relay takes it over); else null.</summary>
    public EpollReactor.Registration? Watch { get; init; }

    /// <summary>
    /// True when <see cref="Watch"/> asks for output edges too (a connect made on the reactor); false for a socket the
    /// reactor watched for input only (the proxy's client, read there during its handshake).
    /// </summary>
    public bool WatchesOutput { get; init; } = true;

    /// <summary>None: the relay splices this socket; nothing reads or writes it through pipes.</summary>
    public override IDuplexPipe Transport => throw new InvalidOperationException("a spliced leg has no pipes: the relay moves its bytes in the kernel");

    public override string Description { get; }

    public override SocketRecord? Record => Connection.Record;

    public override bool InputReset => Connection.PeerReset;

    public override void Abort(string reason, bool reset)
    {
        if (reset) Connection.Reset(reason);
        else Connection.Abort(reason);
    }

    public override ValueTask DisposeAsync()
    {
        if (_owned)
        {
            // A socket never relayed (its client went away first) leaves the reactor's slot it was connected from.
            if (OperatingSystem.IsLinux()) Watch?.Remove();
            Connection.SetCloseReason("closed");
            Socket.Dispose();
        }
        return default;
    }
}
