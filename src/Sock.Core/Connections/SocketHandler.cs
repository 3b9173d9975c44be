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

    /// <summary>
    /// True when the handler does nothing that blocks before its first wait (it starts a connect, say, and awaits it): the
    /// server then runs it on the thread that accepted the connection, with no hand-off to the thread pool, and the accept
    /// loop goes on once it waits. False (the default) hands each connection to the thread pool. On Linux an inline
    /// handler's TCP listener accepts on the server's epoll thread, and the socket comes non-blocking: for handlers that
    /// drive it by readiness (the spliced relay), not through a NetworkStream (which refuses a non-blocking socket).
    /// </summary>
    public bool Inline { get; init; }

    /// <summary>This handler as a <see cref="ConnectionHandler"/>, which the server recognises.</summary>
    public ConnectionHandler Stream { get; }

    /// <summary>Runs the handler on the connection's own socket.</summary>
    public ValueTask RunAsync(Connection connection, TracedSocket socket) => _run(connection, socket);

    // An instance method: the server knows the handler by the delegate's target.
    private ValueTask OverPipesAsync(Connection connection) =>
        throw new InvalidOperationException("a socket handler takes the socket itself: no layer can wrap it");
}
