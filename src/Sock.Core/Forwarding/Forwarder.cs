using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Forwarding;

/// <summary>
/// Port forwarding for many clients in one process, what <c>sock forward LISTEN TARGET</c> runs: a listening endpoint on
/// the server engine (<see cref="SocketServer"/>: its accept loop, admission, limits, TLS termination, drain), and for each
/// client a leg to the target (<see cref="IForwardTarget"/>: a socket through <see cref="SocketClient"/>, or any other kind)
/// with one relay between them (<see cref="ForwardRelay"/>). A UDP listening endpoint forwards datagrams, one session (its
/// own socket towards the target) per client address. <see cref="Start"/> binds (errors surface there);
/// <see cref="StopAsync"/> stops accepting and lets open sessions finish within <see cref="ForwardOptions.DrainTimeout"/>.
/// </summary>
/// <example>
/// <code>
/// var options = new ForwardOptions();
/// await using var forwarder = new Forwarder(ForwardEndpoint.Parse("8080", listening: true),
///     new SocketTarget(ForwardEndpoint.Parse("127.0.0.1:80", listening: false), options), options);
/// var bound = forwarder.Start();
/// </code>
/// </example>
public sealed class Forwarder : IAsyncDisposable
{
    private readonly ForwardEndpoint _listen;
    private readonly IForwardTarget _target;
    private readonly ForwardOptions _options;
    private readonly ForwardObserver? _observer;
    private readonly ConcurrentDictionary<long, ForwardSession> _sessions = new();
    private SocketServer? _server;
    private IDatagramSessions? _datagrams;
    private DatagramClientForwarder? _clients;
    private long _nextId;
    private long _opened;
    private long _refused;
    private long _closedToTarget;
    private long _closedToClient;

    /// <summary>
    /// A forwarder from <paramref name="listen"/> to <paramref name="target"/>. A UDP <paramref name="listen"/> makes a
    /// session per client address whose target leg <paramref name="target"/> opens (a stream socket, a program: socat's
    /// <c>UDP-LISTEN:P,fork TCP:…</c>); for UDP to UDP, use the constructor taking a <see cref="ForwardEndpoint"/>.
    /// </summary>
    public Forwarder(ForwardEndpoint listen, IForwardTarget target, ForwardOptions? options = null, ForwardObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(target);
        _listen = listen;
        _target = target;
        _options = options ?? new ForwardOptions();
        _observer = observer;
    }

    /// <summary>
    /// A forwarder from <paramref name="listen"/> to the socket <paramref name="target"/>: stream to stream (TCP, Unix, TLS
    /// on either side), or UDP to UDP.
    /// </summary>
    public Forwarder(ForwardEndpoint listen, ForwardEndpoint target, ForwardOptions? options = null, ForwardObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(target);
        _options = options ?? new ForwardOptions();
        _observer = observer;
        _listen = listen;
        if (listen.IsDatagram != target.IsDatagram)
            throw SockException.Usage("forward", $"{listen} {target}", "UDP forwards to UDP only; a stream listener to a stream target");
        _target = listen.IsDatagram ? new DatagramTargetName(target) : new SocketTarget(target, _options);
        DatagramTarget = listen.IsDatagram ? target : null;
    }

    private ForwardEndpoint? DatagramTarget { get; }

    /// <summary>The listening endpoint.</summary>
    public ForwardEndpoint Listen => _listen;

    /// <summary>The target as the logs name it.</summary>
    public string TargetName => _target.Name;

    /// <summary>The certificate presented on a <c>tls:</c> listening endpoint (read from files, or made at start); null otherwise.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>The sessions open now, oldest first.</summary>
    public IReadOnlyList<ForwardSession> Sessions => _sessions.Values.Concat(_clients?.Sessions ?? []).OrderBy(s => s.Id).ToList();

    /// <summary>Sessions opened (target connected) since start.</summary>
    public long TotalOpened => Interlocked.Read(ref _opened) + (_clients?.Opened ?? 0);

    /// <summary>Clients refused (access list, limit, failed TLS handshake, target unreachable) and UDP datagrams dropped over the limit.</summary>
    public long TotalRefused => Interlocked.Read(ref _refused) + (_datagrams?.Refused ?? 0);

    /// <summary>Bytes relayed from clients to the target, open sessions and closed.</summary>
    public long TotalBytesToTarget => Interlocked.Read(ref _closedToTarget) + _sessions.Values.Sum(s => s.BytesToTarget) + (_datagrams?.BytesToTarget ?? 0);

    /// <summary>Bytes relayed from the target back to clients, open sessions and closed.</summary>
    public long TotalBytesToClient => Interlocked.Read(ref _closedToClient) + _sessions.Values.Sum(s => s.BytesToClient) + (_datagrams?.BytesToClient ?? 0);

    /// <summary>UDP sessions (client addresses) open now; 0 for a stream forwarder.</summary>
    public int DatagramSessions => _datagrams?.Count ?? 0;

    /// <summary>
    /// Binds the listening endpoint and starts forwarding; returns the bound address (the port the system picked for port
    /// 0). A bind that fails is a <see cref="SockException"/> ("forward: bind 0.0.0.0:80 failed: permission denied").
    /// </summary>
    public EndPoint Start()
    {
        if (_server is not null || _datagrams is not null) throw new InvalidOperationException("the forwarder has started already");
        var endpoint = _listen.ListenEndPoint();
        var type = _listen.IsDatagram ? System.Net.Sockets.SocketType.Dgram : System.Net.Sockets.SocketType.Stream;
        TracedSocket socket;
        try
        {
            socket = SocketBinder.Open(endpoint, type, new ListenSettings(_listen.ListensDualMode, _options.ReusePort), _options.Trace);
        }
        catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
        {
            // "forward: bind 0.0.0.0:80 failed: permission denied", as the issue words it.
            var operation = ex.Operation == "bind to" ? "bind" : ex.Operation;
            throw new SockException(SockErrorKind.Network, "forward: " + operation, ex.Target, ex.Reason, ex.SocketError, ex);
        }
        if (_listen.IsDatagram)
        {
            _datagrams = DatagramTarget is { } udp
                ? new DatagramForwarder(socket, udp, _options, _observer)
                : _clients = new DatagramClientForwarder(socket, _target, _options, _observer);
            return _datagrams.Start();
        }
        try
        {
            var server = new ServerOptions
            {
                MaxConnections = _options.MaxSessions,
                IdleTimeout = _options.IdleTimeout,
                DrainTimeout = _options.DrainTimeout,
                IoThreads = _options.IoThreads,
                NoDelay = _options.NoDelay,
                MaxInputBuffer = _options.MaxInputBuffer,
                MaxOutputBuffer = Math.Min(_options.MaxInputBuffer, ServerOptions.DefaultMaxOutputBuffer),
            };
            List<ConnectionLayer> layers = [];
            if (_listen.Scheme == ForwardScheme.Tls)
            {
                var tls = _options.ServerTls ?? new TlsServerOptions();
                tls.Validate("forward");
                Certificate = TlsServer.Certificate(tls);
                layers.Add(new TlsServerLayer(Certificate, tls) { HandshakeTimeout = _options.ConnectTimeout });
            }
            _server = new SocketServer(server, _options.Trace, new Reports(this));
            // Plain sockets on both sides and nothing that needs the bytes: the handler takes the client's socket whole (no
            // pipes, no transport loop) and the relay splices it to the target's.
            // The handler starts the target's connect and waits: it runs on the accepting thread (Inline).
            ConnectionHandler handler = Splices ? new SocketHandler(HandleAsync) { Inline = true }.Stream : connection => HandleAsync(connection, null);
            var bound = _server.ListenOn("forward", socket, handler, _options.Admission, layers);
            _server.Start();
            return bound;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Graceful stop: close the listening socket, let open sessions finish within <paramref name="drain"/> (default
    /// <see cref="ForwardOptions.DrainTimeout"/>), then close the rest. Returns how many were closed at the deadline.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan? drain = null)
    {
        if (_datagrams is not null) return await _datagrams.StopAsync(drain ?? _options.DrainTimeout).ConfigureAwait(false);
        return _server is null ? 0 : await _server.StopAsync(drain ?? _options.DrainTimeout).ConfigureAwait(false);
    }

    /// <summary>Stops at once (no drain) if not stopped already.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_datagrams is not null) await _datagrams.DisposeAsync().ConfigureAwait(false);
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }

    /// <summary>
    /// True when this forwarder's pairs are spliced (<see cref="SpliceRelay"/>): Linux, a TCP or Unix listener, a socket
    /// target without TLS, the relay's defaults (no one-way, limits or crlf) and no observer of the bytes (--dump, --hex).
    /// </summary>
    internal bool Splices => SpliceRelay.Supported && _options.Splice && _listen.Scheme is ForwardScheme.Tcp or ForwardScheme.Unix
        && _target is SocketTarget { CanSplice: true } && _options.Relay.IsDefault && _observer is not { ObservesData: true };

    private async ValueTask HandleAsync(Connection connection, TracedSocket? spliced)
    {
        // The server set TCP_NODELAY on the accepted socket when asked to: no need to ask the kernel.
        ForwardSocketOptions.Apply(connection, _options, noDelayNow: _options.NoDelay ? true : null);
        ForwardLeg client = spliced is null ? new ConnectionLeg(connection, owned: false) : new SpliceLeg(connection, spliced, owned: false);
        var session = new ForwardSession(Interlocked.Increment(ref _nextId), client, _target.Name);
        ForwardLeg target;
        // The client going away (or a forced stop) while the target is being reached gives up on it.
        using (var giveUp = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed))
        {
            try
            {
                target = await _target.OpenAsync(new ForwardClient
                {
                    SessionId = session.Id,
                    Remote = connection.RemoteEndPoint,
                    Local = connection.LocalEndPoint,
                    Description = client.Description,
                    Observer = _observer,
                    Splice = spliced is not null,
                }, giveUp.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SockException or OperationCanceledException)
            {
                // A clean close of that client with the reason logged; the others go on.
                var reason = ex is SockException s ? s.Message : "the client went away before the target answered";
                session.SetReason(reason);
                session.Close(reason);
                Interlocked.Increment(ref _refused);
                connection.SetCloseReason(reason);
                _observer?.Refused(client.Description, reason, session);
                return;
            }
        }
        session.Target = target;
        _sessions[session.Id] = session;
        Interlocked.Increment(ref _opened);
        _observer?.Opened(session);
        try
        {
            await using (target.ConfigureAwait(false))
            {
                // The client's connection closed under the relay (idle timeout, the drain's deadline, a send that failed):
                // the target goes with it, as a reset if the client was reset.
                using var closed = connection.Closed.Register(() =>
                {
                    session.SetReason(connection.CloseReason ?? "client closed");
                    target.Abort(connection.CloseReason ?? "client closed", reset: connection.PeerReset);
                });
                await ForwardRelay.RunAsync(session, _observer, _options.Relay).ConfigureAwait(false);
            }
        }
        finally
        {
            session.Close("closed");
            lock (_sessions)
            {
                Interlocked.Add(ref _closedToTarget, session.BytesToTarget);
                Interlocked.Add(ref _closedToClient, session.BytesToClient);
                _sessions.TryRemove(session.Id, out _);
            }
            _observer?.Closed(session);
        }
    }

    /// <summary>The server's refusals (access list, limit, failed TLS handshake) in the forwarder's report.</summary>
    private sealed class Reports(Forwarder forwarder) : IServerObserver
    {
        public void Rejected(string service, EndPoint? remote, string reason)
        {
            Interlocked.Increment(ref forwarder._refused);
            forwarder._observer?.Refused(Endpoints.EndpointText.Format(remote), reason, null);
        }

        public void LayerRefused(SocketRecord record, string layer, string reason)
        {
            Interlocked.Increment(ref forwarder._refused);
            forwarder._observer?.Refused(record.Remote, reason, null);
        }
    }

    /// <summary>The name a UDP target goes by (its sessions are the datagram forwarder's, not legs).</summary>
    private sealed class DatagramTargetName(ForwardEndpoint target) : IForwardTarget
    {
        public string Name { get; } = target.ToString();

        public ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken) =>
            throw new NotSupportedException("UDP sessions are the datagram forwarder's");
    }
}
