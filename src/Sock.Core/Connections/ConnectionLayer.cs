using System.Net;

namespace Sock.Core.Connections;

/// <summary>
/// A stage every connection of a listener passes through between accept and its handler, Bedrock's connection middleware:
/// admission (<see cref="Admission"/>), TLS (<c>Sock.Core.Tls.TlsServerLayer</c>), or any
/// <see cref="Use"/>(next =&gt; connection =&gt; …). A listener takes an ordered list (<c>SocketServer.ListenStream</c>; a client's TLS, <see cref="SocketClientOptions.Tls"/>, is a layer too):
/// at accept each layer's <see cref="Admit"/> is asked in order, before the connection is set up or a byte read; then the
/// first layer runs first on the connection and calls the next, the last calls the handler. A layer that changes the
/// bytes (TLS) reads and writes the <see cref="Connection.Transport"/> it finds and puts its own pipes there for
/// those after it.
/// </summary>
public abstract class ConnectionLayer
{
    /// <summary>The layer's name in reports (a connection it refuses, which a server reports): "tls", "admission"…</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Asked at accept, before the connection is set up or anything read from the peer: null admits it, a reason refuses
    /// it (closed at once, counted as rejected, reported by the server). Admits everyone
    /// unless overridden.
    /// </summary>
    public virtual string? Admit(EndPoint? remote) => null;

    /// <summary>
    /// The handler this layer makes of <paramref name="next"/>: it runs on each admitted connection, does its part and
    /// calls <paramref name="next"/> (or not: a layer that will not carry a connection throws
    /// <see cref="LayerRefusedException"/>). Passes every connection straight on unless overridden.
    /// </summary>
    public virtual ConnectionHandler Wrap(ConnectionHandler next) => next;

    /// <summary>A layer that admits the peers <paramref name="filter"/> admits (today's allow/deny lists).</summary>
    public static ConnectionLayer Admission(AdmissionFilter filter) => new AdmissionLayer(filter);

    /// <summary>A layer from a middleware function, Bedrock's <c>Use(next =&gt; connection =&gt; …)</c>.</summary>
    public static ConnectionLayer Use(string name, Func<ConnectionHandler, ConnectionHandler> middleware) => new MiddlewareLayer(name, middleware);

    /// <summary>
    /// <paramref name="handler"/> with <paramref name="layers"/> around it (the first outermost), and around them all
    /// what turns a <see cref="LayerRefusedException"/> into the connection's close reason and a call of
    /// <paramref name="refused"/> (the connection's record, the layer's name, the reason).
    /// </summary>
    internal static ConnectionHandler Compose(ConnectionHandler handler, IReadOnlyList<ConnectionLayer> layers, Action<SocketRecord, string, string>? refused)
    {
        var inner = handler;
        for (var i = layers.Count - 1; i >= 0; i--) inner = layers[i].Wrap(inner);
        // Layers that only admit leave the handler as it was: a raw handler (ReceiveHandler.Stream) stays raw.
        if (ReferenceEquals(inner, handler)) return handler;
        return async connection =>
        {
            try
            {
                await inner(connection).ConfigureAwait(false);
            }
            catch (LayerRefusedException refusal)
            {
                connection.SetCloseReason(refusal.Message);
                refused?.Invoke(connection.Record, refusal.Layer, refusal.Message);
            }
        };
    }

    private sealed class AdmissionLayer(AdmissionFilter filter) : ConnectionLayer
    {
        public override string Name => "admission";

        public override string? Admit(EndPoint? remote) => filter(remote);
    }

    private sealed class MiddlewareLayer(string name, Func<ConnectionHandler, ConnectionHandler> middleware) : ConnectionLayer
    {
        public override string Name => name;

        public override ConnectionHandler Wrap(ConnectionHandler next) => middleware(next);
    }
}
