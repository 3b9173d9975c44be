using System.Net;
using Microsoft.AspNetCore.Connections;
using Sock.Core.Serving;

namespace Sock.AspNetCore;

/// <summary>One endpoint Kestrel bound: a pull-style listener of sock's server, each connection handed over as a <see cref="SockConnectionContext"/>.</summary>
internal sealed class SockConnectionListener(StreamListener listener) : IConnectionListener
{
    public EndPoint EndPoint { get; } = listener.LocalEndPoint;

    /// <summary>The next connection; null once unbound (Kestrel's signal that this listener is done).</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default) =>
        await listener.AcceptAsync(cancellationToken).ConfigureAwait(false) is { } connection ? new SockConnectionContext(connection) : null;

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => new(listener.UnbindAsync());

    public ValueTask DisposeAsync() => new(listener.UnbindAsync());
}
