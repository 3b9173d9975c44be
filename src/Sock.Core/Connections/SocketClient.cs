using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Connections;

/// <summary>
/// The client side of the connection model: connects (a host's addresses tried in happy-eyeballs order, an optional
/// source address and port, or a Unix socket) and returns the same <see cref="Connection"/> a server's handler gets,
/// with its <see cref="Connection.Input"/> and <see cref="Connection.Output"/> pipes running. Completing the output
/// sends the FIN (the peer sees end of stream and may still answer); disposing sends what is left and closes. With
/// <see cref="SocketClientOptions.Tls"/> the connection is a TLS session: the handshake is done before this returns (a
/// failure, a certificate refused by <see cref="TlsClientOptions.Verify"/> among them, is a <see cref="SockException"/>
/// saying why), the pipes carry plaintext, and completing the output sends close_notify, then the FIN.
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
/// Over TLS, checking the server's certificate against the system's roots and its name:
/// <code>
/// await using var c = await SocketClient.ConnectAsync("example.org", 443,
///     new SocketClientOptions { Tls = new TlsClientOptions { Verify = true } });
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
            // The address is the destination's: with a proxy, the proxy's own name may still need looking up.
            IPEndPoint ip => Netcat(options, ip.Address.ToString(), ip.Port, null, noDns: options.Proxy is null),
            UnixDomainSocketEndPoint unix => Netcat(options, null, 0, unix.ToString()),
            _ => throw new ArgumentException($"a stream endpoint is an IP address and port or a Unix socket path, not {endpoint.GetType().Name}", nameof(endpoint)),
        };
        return ConnectAsync(netcat, options, cancellationToken);
    }

    /// <summary>
    /// Connects as <see cref="ConnectAsync(string, int, SocketClientOptions?, CancellationToken)"/> (or to a Unix socket
    /// when <paramref name="unixPath"/> is given), but starts nothing on the connection: no pipes, no transport loop. The
    /// connection carries the socket's record, counters and close; the caller moves the bytes itself (the spliced relay)
    /// and closes the socket. No TLS here: a TLS session needs the pipes. Given a <paramref name="reactor"/>, a TCP connect
    /// to an address (not a name, no proxy, no source address) is made on it (<see cref="ReactorConnect"/>): the caller goes
    /// on on the reactor's thread, and the socket comes back registered there (<see cref="UnstartedConnection.Watch"/>).
    /// </summary>
    internal static async Task<UnstartedConnection> ConnectUnstartedAsync(string? host, int port, string? unixPath,
        SocketClientOptions options, CancellationToken cancellationToken, EpollReactor? reactor = null)
    {
        if (options.Tls is not null) throw new ArgumentException("a TLS client needs its connection's pipes", nameof(options));
        if (reactor is not null && OperatingSystem.IsLinux() && unixPath is null && options.Proxy is null && options.SourceAddress is null
            && options.SourcePort is null && host is not null && NameResolver.TryLiteral(host, out var literal)
            && (options.Family == AddressFamily.Unspecified || options.Family == literal.AddressFamily))
            return await ConnectOnReactorAsync(new IPEndPoint(literal, port), options, reactor, cancellationToken).ConfigureAwait(false);
        var netcat = unixPath is not null ? Netcat(options, null, 0, unixPath) : Netcat(options, host, port, null);
        var socket = await Connector.ConnectAsync(netcat, options.Trace, SilentNetcatObserver.Instance, cancellationToken).ConfigureAwait(false);
        try
        {
            var settings = new ConnectionOptions { MaxInputBuffer = options.MaxInputBuffer, MaxOutputBuffer = options.MaxOutputBuffer };
            var connection = new Connection(Interlocked.Increment(ref _nextId), "client", socket, settings, MemoryPool<byte>.Shared, CancellationToken.None, reactor: null)
            {
                IsClient = true,
            };
            return new UnstartedConnection(connection, socket, null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<UnstartedConnection> ConnectOnReactorAsync(IPEndPoint remote, SocketClientOptions options, EpollReactor reactor,
        CancellationToken cancellationToken)
    {
        var socket = TracedSocket.CreateFor(remote, SocketType.Stream, options.Trace);
        try
        {
            // Set before connect(2), as Connector sets it: the first segment goes out as soon as it is written.
            socket.Socket.NoDelay = true;
            var watch = await ReactorConnect.ConnectAsync(socket, remote, reactor, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            try
            {
                Span<byte> local = stackalloc byte[Platform.Linux.Sockaddr.MaxLength];
                var length = Platform.Linux.SocketCalls.LocalAddress((int)socket.Socket.SafeHandle.DangerousGetHandle(), local);
                var settings = new ConnectionOptions { MaxInputBuffer = options.MaxInputBuffer, MaxOutputBuffer = options.MaxOutputBuffer };
                var connection = new Connection(Interlocked.Increment(ref _nextId), "client", socket, settings, MemoryPool<byte>.Shared, CancellationToken.None,
                    reactor: null, length > 0 ? Platform.Linux.Sockaddr.Parse(local[..length]) : null, remote)
                {
                    IsClient = true,
                };
                return new UnstartedConnection(connection, socket, watch);
            }
            catch
            {
                watch.Remove();
                throw;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<Connection> ConnectAsync(NetcatOptions netcat, SocketClientOptions options, CancellationToken cancellationToken)
    {
        options.Tls?.Validate("TLS");
        var socket = await Connector.ConnectAsync(netcat, options.Trace, SilentNetcatObserver.Instance, cancellationToken).ConfigureAwait(false);
        Connection connection;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            if (socket.Socket.ProtocolType == ProtocolType.Tcp) socket.Socket.NoDelay = true;
            var settings = new ConnectionOptions { MaxInputBuffer = options.MaxInputBuffer, MaxOutputBuffer = options.MaxOutputBuffer };
            connection = new Connection(Interlocked.Increment(ref _nextId), "client", socket, settings, MemoryPool<byte>.Shared, CancellationToken.None, reactor: null);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Release = release;
            connection.IsClient = true;
            connection.CloseTimeout = options.CloseTimeout;
            // The connection's own run, as a server runs it, with a handler that holds it open until the caller disposes;
            // with TLS, that handler runs inside the client's TLS layer, so the caller gets the session's plaintext pipes.
            ConnectionHandler hold = _ =>
            {
                running.TrySetResult();
                return new ValueTask(release.Task);
            };
            connection.Completion = options.Tls is { } tls
                ? connection.RunAsync(Layered(new TlsClientLayer(tls, netcat.Host)
                {
                    HandshakeTimeout = options.ConnectTimeout ?? TlsClient.DefaultHandshakeTimeout,
                }.Wrap(hold), running), failed: null)
                : connection.RunAsync(hold, failed: null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        // Giving up (the token) during the TLS handshake closes the connection under it.
        using (cancellationToken.Register(() => connection.Abort("cancelled")))
        {
            try
            {
                await running.Task.ConfigureAwait(false);
            }
            catch
            {
                // The handshake failed: the connection is closed before the caller hears why.
                await connection.Completion.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }
        }
        return connection;
    }

    /// <summary>
    /// <paramref name="layered"/> with what a layer throws before the caller has the connection (a failed handshake)
    /// passed to the caller through <paramref name="running"/>, instead of only closing the connection.
    /// </summary>
    private static ConnectionHandler Layered(ConnectionHandler layered, TaskCompletionSource running) => async connection =>
    {
        try
        {
            await layered(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (!running.Task.IsCompleted)
        {
            connection.SetCloseReason(ex.Message);
            running.TrySetException(ex);
        }
    };

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
        Proxy = o.Proxy,
    };
}
