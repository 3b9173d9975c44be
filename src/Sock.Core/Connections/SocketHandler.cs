using Sock.Core.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// A handler that takes the connection's socket whole: no pipes and no transport loop run, the handler reads and writes
/// the socket itself until it returns, and the connection then closes it. For what must keep the socket's own calls as
/// they are: netcat's one-client relay and -e (its half-close, its errors, a TLS session over the socket, --trace's view).
/// Give <see cref="Stream"/> where a <see cref="ConnectionHandler"/> is asked for; the server recognises it (as it does a
/// <see cref="ReceiveHandler"/>) and attaches no engine to such a connection. No layer can wrap it: a layer works on pipes.
/// </summary>
internal sealed class SocketHandler
{
    private readonly Func<Connection, TracedSocket, ValueTask> _run;

    public SocketHandler(Func<Connection, TracedSocket, ValueTask> run)
    {
        _run = run;
        Stream = OverPipesAsync;
    }

    /// <summary>This handler as a <see cref="ConnectionHandler"/>, which the server recognises.</summary>
    public ConnectionHandler Stream { get; }

    /// <summary>Runs the handler on the connection's own socket.</summary>
    public ValueTask RunAsync(Connection connection, TracedSocket socket) => _run(connection, socket);

    // An instance method: the server knows the handler by the delegate's target.
    private ValueTask OverPipesAsync(Connection connection) =>
        throw new InvalidOperationException("a socket handler takes the socket itself: no layer can wrap it");
}
