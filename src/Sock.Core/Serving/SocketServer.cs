using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Serving;

/// <summary>
/// A server: listening sockets (TCP over IPv4, IPv6 or both; Unix stream; UDP; Unix datagram), each with a handler, and the
/// connections they accept. Bind with <see cref="ListenStream"/> and <see cref="ListenDatagram"/> (errors surface
/// there), then <see cref="Start"/>; <see cref="StopAsync"/> stops accepting and lets open connections finish within
/// <see cref="ServerOptions.DrainTimeout"/>. <see cref="Sockets"/> lists every socket's record at any time.
/// </summary>
/// <example>
/// <code>
/// await using var server = new SocketServer();
/// server.ListenStream("echo", new IPEndPoint(IPAddress.Loopback, 7007), async c =>
/// {
///     while (true)
///     {
///         var r = await c.Input.ReadAsync();
///         foreach (var segment in r.Buffer) c.Output.Write(segment.Span);
///         c.Input.AdvanceTo(r.Buffer.End);
///         if ((await c.Output.FlushAsync()).IsCompleted || r.IsCompleted) return;
///     }
/// });
/// server.Start();
/// </code>
/// </example>
public sealed class SocketServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly SocketTrace? _trace;
    private readonly IServerObserver? _observer;
    private readonly Action<string, Exception>? _failed; // the observer's Failed, made once for every connection
    private readonly Action<SocketRecord, string, string>? _layerRefused; // and its LayerRefused, for the layers
    private readonly List<StreamAcceptLoop> _streams = [];
    private readonly List<StreamListener> _pulled = [];
    private readonly List<DatagramReceiveLoop> _datagrams = [];
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ServerMetrics _metrics;
    private readonly Lock _totalsGate = new();
    private readonly BlockPool _pool;
    private EpollReactor? _reactor;
    private Timer? _heartbeat;
    private Task? _stopTask;
    private long _nextId;
    private long _accepted;
    private long _rejected;
    private long _errors;
    private long _closedBytesIn;
    private long _closedBytesOut;
    private int _active;
    private bool _started;
    private int? _descriptorBudget;

    /// <summary>Creates a server with <paramref name="options"/> (defaults when null), tracing to <paramref name="trace"/>.</summary>
    public SocketServer(ServerOptions? options = null, SocketTrace? trace = null, IServerObserver? observer = null)
    {
        _options = options ?? new ServerOptions();
        _trace = trace;
        _observer = observer;
        _failed = observer is null ? null : observer.Failed;
        _layerRefused = observer is null ? null : observer.LayerRefused;
        _metrics = new ServerMetrics(this);
        _pool = new BlockPool(_options.BlockSize, _options.MaxRetainedBlocks);
    }

    /// <summary>This server's meter (named "sock").</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _metrics.Meter;

    /// <summary>The options this server runs with.</summary>
    public ServerOptions Options => _options;

    /// <summary>The trace the server's sockets report their calls to, if any.</summary>
    internal SocketTrace? Trace => _trace;

    /// <summary>
    /// Binds and listens on a stream endpoint (IP or Unix) for <paramref name="service"/>. With
    /// <paramref name="dualMode"/> an IPv6 socket also takes IPv4 connections. Each connection passes through
    /// <paramref name="layers"/> in order (admission, TLS…: <see cref="ConnectionLayer"/>) on its way to
    /// <paramref name="handler"/>. Returns the bound address (the port the stack picked when asked for port 0). A
    /// <see cref="ReceiveHandler.Stream"/> given as <paramref name="handler"/> runs on the raw receive path unless a layer
    /// wraps it (a layer works on the pipes); any other handler over the connection's pipes.
    /// </summary>
    public EndPoint ListenStream(string service, EndPoint endpoint, ConnectionHandler handler, bool dualMode = false,
        IReadOnlyList<ConnectionLayer>? layers = null)
    {
        var socket = Open(service, "tcp", endpoint, SocketType.Stream, dualMode);
        try
        {
            var listener = NewStreamListener(service, socket, handler, layers ?? []);
            lock (_streams) _streams.Add(listener);
            if (_started) listener.Start();
            return listener.LocalEndPoint;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binds and listens on a stream endpoint (IP or Unix) for <paramref name="service"/>, pull-style: the connections are
    /// taken with <see cref="StreamListener.AcceptAsync"/> rather than handed to a handler (a host with its own connection
    /// loop, as Kestrel). Each passes through <paramref name="layers"/> first, so a TLS layer hands over its plaintext pipes.
    /// Errors surface here as in <see cref="ListenStream"/>.
    /// </summary>
    public StreamListener BindStream(string service, EndPoint endpoint, bool dualMode = false, IReadOnlyList<ConnectionLayer>? layers = null)
    {
        var socket = Open(service, "tcp", endpoint, SocketType.Stream, dualMode);
        try
        {
            var pull = new StreamListener();
            var listener = NewStreamListener(service, socket, pull.Hand, layers ?? []);
            pull.Attach(listener, this);
            lock (_streams)
            {
                _streams.Add(listener);
                _pulled.Add(pull);
            }
            if (_started) listener.Start();
            return pull;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A pull-style listener was unbound: it leaves the server's lists.</summary>
    internal void Forget(StreamAcceptLoop listener)
    {
        lock (_streams)
        {
            _streams.Remove(listener);
            _pulled.RemoveAll(p => ReferenceEquals(p.AcceptLoop, listener));
        }
    }

    /// <summary>
    /// Serves connections on <paramref name="listening"/>, a stream socket already bound and listening (bound elsewhere,
    /// with its own options and error wording); the server owns it from here on and closes it when it stops.
    /// <paramref name="admit"/>, if given, is asked about each peer before anything is read from it (an admission layer
    /// ahead of <paramref name="layers"/>).
    /// </summary>
    public EndPoint ListenOn(string service, TracedSocket listening, ConnectionHandler handler, AdmissionFilter? admit = null,
        IReadOnlyList<ConnectionLayer>? layers = null)
    {
        IReadOnlyList<ConnectionLayer> all = admit is null ? layers ?? [] : [ConnectionLayer.Admission(admit), .. layers ?? []];
        var listener = NewStreamListener(service, listening, handler, all);
        lock (_streams) _streams.Add(listener);
        if (_started) listener.Start();
        return listener.LocalEndPoint;
    }

    /// <summary>
    /// As <see cref="ListenOn"/>, for one connection only: the listening socket closes as soon as a peer is admitted, so
    /// later peers are refused rather than left in the backlog (ncat's one-client listen). Its Unix socket file stays
    /// until the server stops.
    /// </summary>
    internal EndPoint ListenOnOnce(string service, TracedSocket listening, ConnectionHandler handler, AdmissionFilter? admit)
    {
        IReadOnlyList<ConnectionLayer> all = admit is null ? [] : [ConnectionLayer.Admission(admit)];
        var listener = new StreamAcceptLoop(Interlocked.Increment(ref _nextId), service, listening, ConnectionLayer.Compose(handler, all, _layerRefused), this)
            { Layers = all, AcceptsOne = true };
        lock (_streams) _streams.Add(listener);
        if (_started) listener.Start();
        return listener.LocalEndPoint;
    }

    private StreamAcceptLoop NewStreamListener(string service, TracedSocket socket, ConnectionHandler handler, IReadOnlyList<ConnectionLayer> layers) =>
        new(Interlocked.Increment(ref _nextId), service, socket, ConnectionLayer.Compose(handler, layers, _layerRefused), this) { Layers = layers };

    /// <summary>
    /// Binds a datagram endpoint for <paramref name="service"/>: UDP (IP), or Unix datagram (a
    /// <see cref="UnixDomainSocketEndPoint"/>; its file is removed when the server stops). Each datagram goes to
    /// <paramref name="handler"/>, and replies go to the sender's address, so a Unix client that wants replies binds a
    /// path of its own; one that did not gets none. Returns the bound address.
    /// </summary>
    public EndPoint ListenDatagram(string service, EndPoint endpoint, DatagramHandler handler, bool dualMode = false)
    {
        var socket = Open(service, "udp", endpoint, SocketType.Dgram, dualMode);
        try
        {
            var listener = new DatagramReceiveLoop(Interlocked.Increment(ref _nextId), service, socket, handler, this, _options.MaxLineLength, _options.DatagramThreads);
            lock (_datagrams) _datagrams.Add(listener);
            if (_started) listener.Start();
            return listener.LocalEndPoint;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// As <see cref="ListenDatagram"/>, on a datagram socket already bound elsewhere (with options of its own, such as a
    /// larger receive buffer); the server owns it from here on and closes it when it stops.
    /// </summary>
    internal EndPoint ListenDatagramOn(string service, TracedSocket bound, DatagramHandler handler)
    {
        var listener = new DatagramReceiveLoop(Interlocked.Increment(ref _nextId), service, bound, handler, this, _options.MaxLineLength, _options.DatagramThreads);
        lock (_datagrams) _datagrams.Add(listener);
        if (_started) listener.Start();
        return listener.LocalEndPoint;
    }

    /// <summary>Starts accepting and receiving on every endpoint bound so far (and on those bound later).</summary>
    public void Start()
    {
        if (_started) return;
        _started = true;
        _descriptorBudget = OpenFileLimit.ConnectionsLeft();
        if (_options.IoThreads > 0 && EpollReactor.Supported) _reactor = new EpollReactor(_options.IoThreads, _options.IoSpin);
        lock (_streams) foreach (var l in _streams) l.Start();
        lock (_datagrams) foreach (var l in _datagrams) l.Start();
        if (_options.IdleTimeout is { } idle)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 50, 1000));
            _heartbeat = new Timer(static s => ((SocketServer)s!).CloseIdle(), this, period, period);
        }
    }

    /// <summary>True once a stop has begun.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Cancelled when a stop begins.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The connections open now, as records.</summary>
    public IReadOnlyList<SocketRecord> Connections => _connections.Values.Select(c => c.Record).OrderBy(r => r.Id).ToList();

    /// <summary>Every socket the server holds open now: listening and datagram sockets first, then connections.</summary>
    public IReadOnlyList<SocketRecord> Sockets
    {
        get
        {
            var list = new List<SocketRecord>();
            lock (_streams) list.AddRange(_streams.Where(l => !l.IsClosed).Select(l => l.Record));
            lock (_datagrams) list.AddRange(_datagrams.Where(l => !l.IsClosed).Select(l => l.Record));
            list.Sort((a, b) => a.Id.CompareTo(b.Id));
            list.AddRange(Connections);
            return list;
        }
    }

    /// <summary>Connections open now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Connections accepted since start.</summary>
    public long TotalAccepted => Interlocked.Read(ref _accepted);

    /// <summary>
    /// Connections refused for the connection limit, datagrams dropped for their length, and replies to Unix datagram
    /// peers dropped because the peer could not take them (queue full, or gone).
    /// </summary>
    public long TotalRejected => Interlocked.Read(ref _rejected);

    /// <summary>Socket and handler errors that were not the peer's doing.</summary>
    public long TotalErrors => Interlocked.Read(ref _errors);

    /// <summary>Bytes received on every socket, open and closed.</summary>
    public long TotalBytesIn
    {
        get
        {
            lock (_totalsGate) return _closedBytesIn + _connections.Values.Sum(c => c.Traffic.BytesIn) + DatagramSum(t => t.BytesIn);
        }
    }

    /// <summary>Bytes sent on every socket, open and closed.</summary>
    public long TotalBytesOut
    {
        get
        {
            lock (_totalsGate) return _closedBytesOut + _connections.Values.Sum(c => c.Traffic.BytesOut) + DatagramSum(t => t.BytesOut);
        }
    }

    /// <summary>
    /// Graceful stop: close the listening sockets (done before this returns its task), tell handlers (<see cref="Connection.Stopping"/>), wait up to
    /// <paramref name="drain"/> (default <see cref="ServerOptions.DrainTimeout"/>) for open connections to finish, then
    /// close the rest. Returns how many were closed at the deadline.
    /// </summary>
    public Task<int> StopAsync(TimeSpan? drain = null)
    {
        lock (_streams)
        {
            _stopTask ??= StopCoreAsync(drain ?? _options.DrainTimeout);
            return (Task<int>)_stopTask;
        }
    }

    /// <summary>Stops at once (no drain) if not stopped already.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _metrics.Dispose();
        _pool.Dispose();
        _stopping.Dispose();
    }

    private async Task<int> StopCoreAsync(TimeSpan drain)
    {
        StreamAcceptLoop[] streams;
        DatagramReceiveLoop[] datagrams;
        lock (_streams) streams = [.. _streams];
        lock (_datagrams) datagrams = [.. _datagrams];
        foreach (var l in streams) l.Close();
        foreach (var l in datagrams) l.Close();
        await Task.WhenAll(streams.Select(l => l.Completion).Concat(datagrams.Select(l => l.Completion))).ConfigureAwait(false);
        // Pull-style listeners: their takers' AcceptAsync returns null from now on.
        StreamListener[] pulled;
        lock (_streams) pulled = [.. _pulled];
        foreach (var p in pulled) p.Stop();
        await Task.WhenAll(pulled.Select(p => p.CloseUntakenAsync())).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        var open = _connections.Values.ToArray();
        var forced = 0;
        var all = Task.WhenAll(open.Select(c => c.Completion));
        if (await Task.WhenAny(all, Task.Delay(drain)).ConfigureAwait(false) != all)
        {
            foreach (var c in _connections.Values)
            {
                forced++;
                c.Abort($"server stopped (drain deadline {Durations.Format(drain)})");
                // A connection taken from a pull-style listener and never given back: the server lets go of it itself,
                // rather than wait for ever.
                c.Release?.TrySetResult();
            }
            await all.ConfigureAwait(false);
        }
        if (_heartbeat is not null) await _heartbeat.DisposeAsync().ConfigureAwait(false);
        if (OperatingSystem.IsLinux()) _reactor?.Dispose();
        return forced;
    }

    /// <summary>
    /// The reactor that accepts for <paramref name="listener"/>: this server's own (Linux, epoll threads on) when its
    /// handler runs inline on the accepting thread; null to accept through .NET's engine.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal EpollReactor? AcceptReactorFor(StreamAcceptLoop listener) =>
        listener.Handler.Target is SocketHandler { Inline: true } ? _reactor : null;

    internal void Accepted(StreamAcceptLoop listener, TracedSocket socket)
    {
        foreach (var layer in listener.Layers)
        {
            if (layer.Admit(socket.Socket.RemoteEndPoint) is not { } refusal) continue;
            Reject(listener.Name, socket.Socket.RemoteEndPoint, refusal);
            socket.Dispose();
            return;
        }
        if (_options.MaxConnections > 0 && Volatile.Read(ref _active) >= _options.MaxConnections)
        {
            Reject(listener.Name, socket.Socket.RemoteEndPoint, $"connection limit ({_options.MaxConnections}) reached");
            socket.Dispose();
            return;
        }
        if (_descriptorBudget is { } budget && Volatile.Read(ref _active) >= budget)
        {
            Reject(listener.Name, socket.Socket.RemoteEndPoint, $"open-file limit nearly reached ({budget} connections; raise ulimit -n)");
            socket.Dispose();
            return;
        }
        if (IsStopping)
        {
            socket.Dispose();
            return;
        }
        Interlocked.Increment(ref _accepted);
        // Closed before the next accept, so a second peer already in the backlog is refused, not served.
        if (listener.AcceptsOne) listener.Close(removeFile: false);
        if (socket.Socket.ProtocolType == ProtocolType.Tcp && _options.NoDelay) socket.Socket.NoDelay = true;
        // A handler that takes the socket itself gets it without an engine attached (epoll would own its readiness).
        var reactor = listener.Handler.Target is SocketHandler ? null : _reactor;
        var connection = new Connection(Interlocked.Increment(ref _nextId), listener.Name, socket, _options.Connection, _pool, _stopping.Token, reactor);
        _connections[connection.Id] = connection;
        Interlocked.Increment(ref _active);
        _observer?.Opened(connection.Record);
        // Completion is set before the run starts: a pull-style taker may dispose the connection (and await it) at once.
        var run = new Task<Task>(() => RunAsync(connection, listener.Handler));
        connection.Completion = run.Unwrap();
        // A handler that does not block before its first wait runs on the accepting thread: one hand-off less per connection.
        if (listener.Handler.Target is SocketHandler { Inline: true })
        {
            if (OperatingSystem.IsLinux())
            {
                // A connect it starts on a reactor is watched once the handler has waited (see ReactorConnect.Defer).
                using (ReactorConnect.Defer()) run.RunSynchronously(TaskScheduler.Default);
            }
            else
            {
                run.RunSynchronously(TaskScheduler.Default);
            }
        }
        else
        {
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunAsync(Connection connection, ConnectionHandler handler)
    {
        try
        {
            await connection.RunAsync(handler, _failed).ConfigureAwait(false);
        }
        finally
        {
            // Moved from the live sum to the closed totals in one step, so the byte counters never jump or dip.
            lock (_totalsGate)
            {
                _closedBytesIn += connection.Traffic.BytesIn;
                _closedBytesOut += connection.Traffic.BytesOut;
                _connections.TryRemove(connection.Id, out _);
            }
            Interlocked.Decrement(ref _active);
            if (connection.Failed) Interlocked.Increment(ref _errors);
            _observer?.Closed(connection.Record);
        }
    }

    internal void Reject(string service, EndPoint? remote, string reason)
    {
        Interlocked.Increment(ref _rejected);
        _observer?.Rejected(service, remote, reason);
    }

    internal bool ObservesDatagrams => _observer?.ObservesDatagrams == true;

    internal void Exchanged(string service, string protocol, EndPoint? remote, int bytesIn, int repliesOut, int bytesOut) =>
        _observer?.Exchanged(service, protocol, remote, bytesIn, repliesOut, bytesOut);

    internal void CountError(string service, Exception error)
    {
        Interlocked.Increment(ref _errors);
        _observer?.Failed(service, error);
    }

    private void CloseIdle()
    {
        if (_options.IdleTimeout is not { } idle) return;
        var limit = (long)idle.TotalMilliseconds;
        foreach (var c in _connections.Values)
            if (c.IdleMilliseconds >= limit)
                c.Abort($"idle timeout ({Durations.Format(idle)})");
    }

    private long DatagramSum(Func<TrafficCounters, long> pick)
    {
        lock (_datagrams) return _datagrams.Sum(l => pick(l.Traffic));
    }

    private TracedSocket Open(string service, string protocol, EndPoint endpoint, SocketType type, bool dualMode)
    {
        try
        {
            return SocketBinder.Open(endpoint, type,
                new ListenSettings(dualMode && endpoint.AddressFamily == AddressFamily.InterNetworkV6, _options.ReusePort, _options.Backlog), _trace);
        }
        catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
        {
            var where = endpoint is IPEndPoint ip ? $"{protocol} port {ip.Port} ({EndpointText.Format(endpoint)})" : EndpointText.Format(endpoint);
            throw new SockException(SockErrorKind.Network, $"serve {service} on", where, ex.Reason, ex.SocketError, ex);
        }
    }
}
