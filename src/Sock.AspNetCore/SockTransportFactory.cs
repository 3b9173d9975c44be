using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Tracing;

namespace Sock.AspNetCore;

/// <summary>
/// Kestrel's transport seam over sock's engine: one <see cref="SocketServer"/> for the whole host, every endpoint Kestrel
/// binds a pull-style listener on it, so the connection table and the totals cover all of them.
/// </summary>
internal sealed class SockTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable
{
    private readonly SocketServer _server;

    public SockTransportFactory(IOptions<SockTransportOptions> options, ILoggerFactory loggers)
    {
        // The trace costs nothing unless its category is on at Trace level: with it off the engine holds no trace at all.
        var logger = loggers.CreateLogger(LoggerTraceSink.Category);
        var trace = options.Value.Trace ?? (logger.IsEnabled(LogLevel.Trace) ? new SocketTrace(new LoggerTraceSink(logger)) : null);
        Tracing = trace is not null;
        _server = new SocketServer(options.Value.Server, trace);
        _server.Start();
    }

    public SocketServer Server => _server;

    /// <summary>True when the "Sock.Trace" category was on at Trace level when the host started (the engine then traces).</summary>
    internal bool Tracing { get; }

    /// <summary>IP and Unix socket endpoints; anything else (an inherited file handle, say) is left to another transport.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint or UnixDomainSocketEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (!CanBind(endpoint)) throw new NotSupportedException($"sock's transport binds IP and Unix socket endpoints, not {endpoint.GetType().Name}");
        try
        {
            // Kestrel's convention: the IPv6 wildcard takes IPv4 too.
            var dual = endpoint is IPEndPoint ip && ip.Address.Equals(IPAddress.IPv6Any);
            return new(new SockConnectionListener(_server.BindStream("http", endpoint, dual)));
        }
        catch (SockException ex) when (ex.SocketError == SocketError.AddressAlreadyInUse)
        {
            // Kestrel words this one itself (and tries the next address for "localhost").
            throw new AddressInUseException(ex.Message, ex);
        }
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync().ConfigureAwait(false);
}
