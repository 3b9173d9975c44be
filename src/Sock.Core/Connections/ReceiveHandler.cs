
namespace Sock.Core.Connections;

/// <summary>
/// A stream service on the raw receive path (NetCoreServer's <c>OnReceived</c> shape), for services that need no
/// parsing: each receive is handed over as a span on the I/O thread and answered with <see cref="Connection.Send"/>; no
/// pipe, no copy, no task per message. Callbacks for one connection never run at once, and must not block.
/// <para>
/// Give <see cref="Stream"/> wherever a <see cref="ConnectionHandler"/> is asked for: a server (<c>SocketServer</c>) runs it
/// on the raw path, and anything else (a layer that replaced the connection's pipes, a caller that invokes the delegate)
/// gets the service over the pipes (<see cref="ServeOverPipesAsync"/>), so it behaves the same either way.
/// </para>
/// </summary>
public abstract class ReceiveHandler
{
    /// <summary>Creates the handler and its <see cref="Stream"/> delegate.</summary>
    protected ReceiveHandler() => Stream = ServeOverPipesAsync;

    /// <summary>This service as a <see cref="ConnectionHandler"/>; a server (<c>SocketServer</c>) recognises it and runs it raw.</summary>
    public ConnectionHandler Stream { get; }

    /// <summary>
    /// True (the default) when <paramref name="connection"/> can be served raw; false sends it over the pipes
    /// (echo does, when a line limit asks it to parse lines).
    /// </summary>
    public virtual bool Accepts(Connection connection) => true;

    /// <summary>True when the service sends on its own (<see cref="Produce"/>), not only in answer to what it receives.</summary>
    public virtual bool Produces => false;

    /// <summary>Called once, before the first receive.</summary>
    public virtual void OnStarted(Connection connection)
    {
    }

    /// <summary>What one receive brought; <paramref name="data"/> is valid only during the call. Answer with <see cref="Connection.Send"/>.</summary>
    public abstract void OnReceived(Connection connection, ReadOnlySpan<byte> data);

    /// <summary>
    /// For a service that <see cref="Produces"/>: send the next piece with <see cref="Connection.Send"/>. Called after
    /// <see cref="OnStarted"/> and again whenever what was sent has gone out; return false when there is nothing more to
    /// send, and the connection closes once the rest is out.
    /// </summary>
    public virtual bool Produce(Connection connection) => false;

    /// <summary>The same service over the connection's pipes, where there is no raw path.</summary>
    protected abstract ValueTask ServeOverPipesAsync(Connection connection);
}
