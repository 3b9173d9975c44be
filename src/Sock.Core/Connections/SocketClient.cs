using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Serving;
using Sock.Core.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// The client side of the connection model: connects (a host's addresses tried in happy-eyeballs order, an optional
/// source address and port, or a Unix socket) and returns the same <see cref="Connection"/> a server's handler gets,
/// with its <see cref="Connection.Input"/> and <see cref="Connection.Output"/> pipes running. Completing the output
/// sends the FIN (the peer sees end of stream and may still answer); disposing sends what is left and closes.
/// </summary>
/// <example>
/// <code>
/// await using var c = await SocketClient.ConnectAsync("localhost", 7);
/// await c.Output.WriteAsync("hello\n"u8.ToArray());
/// await c.Output.CompleteAsync();                    // FIN: the echo server sees end of stream
/// while (true)
/// {
///     var r = await c.Input.ReadAsync();
///     // … r.Buffer holds what came back …
///     c.Input.AdvanceTo(r.Buffer.End);
///     if (r.IsCompleted) break;
/// }
/// </code>
/// </example>
public static class SocketClient
{
    private static long _nextId;

    /// <summary>Connects to <paramref name="host"/> (a name or an address) on <paramref name="port"/>.</summary>
    public static Task<Connection> ConnectAsync(string host, int port, SocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (port is < 1 or > 65535) throw SockException.Usage("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 1 to 65535");
        options ??= new SocketClientOptions();
        return ConnectAsync(Netcat(options, host, port, null), options, cancellationToken);
    }

    /// <summary>Connects to <paramref name="endpoint"/>: an <see cref="IPEndPoint"/> or a <see cref="UnixDomainSocketEndPoint"/>.</summary>
    public static Task<Connection> ConnectAsync(EndPoint endpoint, SocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new SocketClientOptions();
        var netcat = endpoint switch
        {
            IPEndPoint ip => Netcat(options, ip.Address.ToString(), ip.Port, null, noDns: true),
            UnixDomainSocketEndPoint unix => Netcat(options, null, 0, unix.ToString()),
            _ => throw new ArgumentException($"a stream endpoint is an IP address and port or a Unix socket path, not {endpoint.GetType().Name}", nameof(endpoint)),
        };
        return ConnectAsync(netcat, options, cancellationToken);
    }

    private static async Task<Connection> ConnectAsync(NetcatOptions netcat, SocketClientOptions options, CancellationToken cancellationToken)
    {
        var socket = await Connector.ConnectAsync(netcat, options.Trace, SilentNetcatObserver.Instance, cancellationToken).ConfigureAwait(false);
        try
        {
            if (socket.Socket.ProtocolType == ProtocolType.Tcp) socket.Socket.NoDelay = true;
            var settings = new ServerOptions { MaxInputBuffer = options.MaxInputBuffer, MaxOutputBuffer = options.MaxOutputBuffer };
            var connection = new Connection(Interlocked.Increment(ref _nextId), "client", socket, settings, MemoryPool<byte>.Shared, CancellationToken.None, reactor: null);
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Release = release;
            // The connection's own run, as a server runs it, with a handler that holds it open until the caller disposes.
            connection.Completion = connection.RunAsync(_ =>
            {
                running.TrySetResult();
                return new ValueTask(release.Task);
            }, observer: null);
            await running.Task.ConfigureAwait(false);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static NetcatOptions Netcat(SocketClientOptions o, string? host, int port, string? unixPath, bool noDns = false) => new()
    {
        Host = host,
        Port = port,
        UnixPath = unixPath,
        Family = o.Family,
        NoDns = noDns || o.NoDns,
        SourceAddress = o.SourceAddress,
        SourcePort = o.SourcePort,
        ConnectTimeout = o.ConnectTimeout,
    };
}
