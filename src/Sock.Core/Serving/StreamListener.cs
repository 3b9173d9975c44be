using System.Net;
using System.Threading.Channels;
using Sock.Core.Connections;

namespace Sock.Core.Serving;

/// <summary>
/// A listening stream socket whose connections are taken one at a time (<see cref="AcceptAsync"/>) instead of handed to a
/// handler: the pull-style accept a host with its own connection loop needs (Kestrel's <c>IConnectionListener</c>). Made
/// by <see cref="SocketServer.BindStream"/>. Each connection comes with its pipes already running and is the server's as
/// any other (its record in <see cref="SocketServer.Connections"/>, limits, idle timeout, layers); the taker owns its end:
/// disposing it (<see cref="Connection.DisposeAsync"/>) sends what was written and closes it, <see cref="Connection.Abort"/>
/// closes it at once.
/// </summary>
/// <example>
/// <code>
/// await using var server = new SocketServer();
/// server.Start();
/// var listener = server.BindStream("web", new IPEndPoint(IPAddress.Loopback, 8080));
/// while (await listener.AcceptAsync() is { } connection)
///     _ = ServeAsync(connection);   // reads connection.Input, writes connection.Output, then: await connection.DisposeAsync()
/// </code>
/// </example>
public sealed class StreamListener
{
    // Unbounded: the accept loop never waits on the taker (a slow taker must not stall accept()); each queued connection
    // is already counted against the server's limits, which bound the queue.
    private readonly Channel<Connection> _accepted = Channel.CreateUnbounded<Connection>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private StreamAcceptLoop? _loop;
    private SocketServer? _server;
    private Task? _unbinding;

    internal StreamListener()
    {
    }

    /// <summary>The address it is bound to (the port the stack picked when asked for port 0).</summary>
    public EndPoint LocalEndPoint => Loop.LocalEndPoint;

    /// <summary>The listening socket's record (state LISTEN).</summary>
    public SocketRecord Record => Loop.Record;

    internal StreamAcceptLoop? AcceptLoop => _loop;

    private StreamAcceptLoop Loop => _loop ?? throw new InvalidOperationException("not bound");

    internal void Attach(StreamAcceptLoop loop, SocketServer server)
    {
        _loop = loop;
        _server = server;
    }

    /// <summary>
    /// The next connection, or null once the listener is unbound (<see cref="UnbindAsync"/>) or the server stops.
    /// <paramref name="cancellationToken"/> gives up waiting (an <see cref="OperationCanceledException"/>); the listener
    /// goes on.
    /// </summary>
    public async ValueTask<Connection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _accepted.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            if (_accepted.Reader.TryRead(out var connection)) return connection;
        return null;
    }

    /// <summary>
    /// Stops accepting: closes the listening socket (and removes a Unix socket's file). Connections already taken go on;
    /// those accepted but not yet taken are closed. <see cref="AcceptAsync"/> then returns null.
    /// </summary>
    public Task UnbindAsync()
    {
        lock (_accepted) return _unbinding ??= UnbindCoreAsync();
    }

    private async Task UnbindCoreAsync()
    {
        var loop = Loop;
        loop.Close();
        await loop.Completion.ConfigureAwait(false);
        _server?.Forget(loop);
        Stop();
        await CloseUntakenAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the connections accepted but never taken, as the server closes any connection whose handler returns.</summary>
    internal async Task CloseUntakenAsync()
    {
        var untaken = new List<Task>();
        while (_accepted.Reader.TryRead(out var connection)) untaken.Add(connection.DisposeAsync().AsTask());
        await Task.WhenAll(untaken).ConfigureAwait(false);
    }

    /// <summary>No more connections will come (unbound, or the server is stopping).</summary>
    internal void Stop() => _accepted.Writer.TryComplete();

    /// <summary>The handler the server runs for each connection: queue it for the taker and hold it until the taker disposes it.</summary>
    internal ValueTask Hand(Connection connection)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Release = release;
        // Unbound meanwhile: the connection closes at once (nobody will take it).
        return _accepted.Writer.TryWrite(connection) ? new ValueTask(release.Task) : ValueTask.CompletedTask;
    }
}
