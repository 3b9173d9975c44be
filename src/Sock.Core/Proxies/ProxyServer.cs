using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Serving;
using Sock.Core.Sockets;

namespace Sock.Core.Proxies;

/// <summary>
/// A SOCKS5, SOCKS4/4a and HTTP proxy on one port (what the client speaks is told by its first byte: 5, 4, or a letter
/// of an HTTP method), on the serving engine: <see cref="Bind"/> binds every address (errors surface there), then
/// <see cref="RunAsync"/> serves until asked to stop and drains. Each client's destination is reached with
/// <see cref="SocketClient"/> and the two are relayed by sock's one relay (<see cref="ForwardRelay"/>: spliced in the kernel
/// on Linux, pipe to pipe elsewhere and for plain HTTP forwarding), half-close passed on. SOCKS5 also
/// relays UDP (UDP ASSOCIATE). <see cref="Sessions"/> lists the sessions open now.
/// </summary>
/// <example>
/// <code>
/// await using var proxy = ProxyServer.Bind([new IPEndPoint(IPAddress.Loopback, 1080)],
///     new ProxyServerOptions { Users = ProxyUsers.Load("users.txt") });
/// await proxy.RunAsync(stop); // curl --socks5-hostname bob:secret@127.0.0.1:1080 http://example.org/
/// </code>
/// </example>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly SocketServer _server;
    private readonly ProxyServerOptions _options;
    private readonly IProxyObserver? _observer;
    private readonly ProxyDialer _dialer;
    private readonly HttpProxyAuthentication? _httpAuth;
    private readonly ConcurrentDictionary<long, ProxySessionState> _sessions = new();
    private readonly List<EndPoint> _endpoints = [];

    private ProxyServer(ProxyServerOptions options, IProxyObserver? observer)
    {
        _options = options;
        _observer = observer;
        var guard = new LoopGuard();
        Guard = guard;
        _dialer = new ProxyDialer(options, guard);
        _httpAuth = options.Users is { } users ? new HttpProxyAuthentication(users, options.Realm, options.HttpDigest, options.NcatChallenges) : null;
        _server = new SocketServer(options.Server, options.Trace, observer);
    }

    internal LoopGuard Guard { get; }

    /// <summary>Every address the proxy listens on (with the port the system picked for port 0).</summary>
    public IReadOnlyList<EndPoint> EndPoints => _endpoints;

    /// <summary>The engine underneath: its socket table, counters and options.</summary>
    public SocketServer Server => _server;

    /// <summary>The sessions open now, oldest first.</summary>
    public IReadOnlyList<ProxySession> Sessions => [.. _sessions.Values.OrderBy(s => s.Id).Select(s => s.Snapshot())];

    /// <summary>
    /// Binds <paramref name="endpoints"/> (IP addresses and ports — <c>[::]</c> takes IPv4 too — or Unix socket paths)
    /// with <paramref name="options"/>; <paramref name="admit"/>, if given, is asked about each client before anything is
    /// read from it (--allow/--deny). A socket that cannot be bound throws, and nothing is left listening.
    /// </summary>
    public static ProxyServer Bind(IReadOnlyList<EndPoint> endpoints, ProxyServerOptions? options = null, IProxyObserver? observer = null,
        AdmissionFilter? admit = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0) throw new ArgumentException("no address to listen on", nameof(endpoints));
        options ??= new ProxyServerOptions();
        if (!options.Socks5 && !options.Socks4 && !options.Http) throw SockException.Usage("proxy", "protocols", "every protocol is turned off");
        var proxy = new ProxyServer(options, observer);
        IReadOnlyList<ConnectionLayer> layers = admit is null ? [] : [ConnectionLayer.Admission(admit)];
        try
        {
            foreach (var e in endpoints)
            {
                var dual = e is IPEndPoint ip && ip.Address.Equals(IPAddress.IPv6Any) && Socket.OSSupportsIPv6;
                // On Linux the handler takes the client's socket whole: the common SOCKS5 handshake is read on the relay's
                // reactor (the rest through a stream), and once the destination answers the relay splices the two sockets
                // in the kernel. The handler runs on the accepting thread (Inline): it waits before it does anything that blocks.
                ConnectionHandler handler = proxy.Splices
                    ? new SocketHandler(proxy.HandleSplicedAsync) { Inline = proxy.HandshakesOnReactor }.Stream
                    : c => proxy.HandleAsync(c, new ClientIo(c.Input, c.Output));
                var bound = proxy._server.ListenStream("proxy", e, handler, dual, layers);
                proxy._endpoints.Add(bound);
                if (bound is IPEndPoint b) proxy.Guard.Add(b);
            }
        }
        catch
        {
            proxy._server.DisposeAsync().AsTask().GetAwaiter().GetResult(); // nothing started: this only closes sockets
            throw;
        }
        foreach (var e in proxy._endpoints) observer?.Listening(EndpointText.Format(e));
        return proxy;
    }

    /// <summary>Starts serving (without waiting; <see cref="RunAsync"/> starts and waits).</summary>
    public void Start() => _server.Start();

    /// <summary>
    /// Serves until <paramref name="stop"/> is cancelled, then stops: closes the listening sockets, tells the observer,
    /// and lets open sessions finish within <see cref="ServerOptions.DrainTimeout"/>. Returns how many were closed at the deadline.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        _server.Start();
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        var open = _server.ActiveConnections;
        var stopping = _server.StopAsync();
        _observer?.Stopping(open, _server.Options.DrainTimeout);
        return await stopping.ConfigureAwait(false);
    }

    /// <summary>Stops at once (no drain) if not stopped already.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>True when sessions are spliced (<see cref="SpliceRelay"/>): Linux, unless <see cref="ProxyServerOptions.Splice"/> is off.</summary>
    internal bool Splices => SpliceRelay.Supported && _options.Splice;

    /// <summary>
    /// True when the common SOCKS5 handshake (no authentication, CONNECT to an address) is read on the relay's reactor
    /// (<see cref="Socks5ReactorHandshake"/>): spliced, SOCKS5 on, no users to check (authentication goes through the
    /// stream), no --trace (whose lines the stream path writes).
    /// </summary>
    internal bool HandshakesOnReactor => Splices && _options.Socks5 && _options.Users is null && _options.Trace is null;

    /// <summary>
    /// The client's socket taken whole: the handshake on the reactor or over a stream on it (counted in the connection's
    /// record either way), then splicing.
    /// </summary>
    private async ValueTask HandleSplicedAsync(Connection client, TracedSocket socket)
    {
        var io = new ClientIo(client, socket);
        try
        {
            await HandleAsync(client, io).ConfigureAwait(false);
        }
        finally
        {
            await io.CompleteAsync().ConfigureAwait(false);
            // A refused client may have sent more than the handshake read (an oversized HTTP head): what is left unread at
            // close would turn the FIN into a reset, and the client could lose the error reply. The pipe transport reads
            // ahead (up to its input bound), so it closes with a FIN; read what has come the same way.
            if (!io.Relayed) DrainUnread(socket.Socket, client.Options.MaxInputBuffer);
        }
    }

    private static void DrainUnread(Socket socket, int limit)
    {
        var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            socket.Blocking = false;
            for (var total = 0; total < limit;)
            {
                var n = socket.Receive(scratch, 0, scratch.Length, SocketFlags.None, out var error);
                if (n <= 0 || error != SocketError.Success) break;
                total += n;
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private async ValueTask HandleAsync(Connection client, ClientIo io)
    {
        var session = new ProxySessionState(client.Id, EndpointText.Format(client.RemoteEndPoint));
        _sessions[client.Id] = session;
        try
        {
            await RunSessionAsync(client, io, session).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SockException or SocketException or IOException or OperationCanceledException or InvalidOperationException)
        {
            session.Outcome ??= ex is OperationCanceledException ? "closed under the session" : $"failed: {ex.Message}";
        }
        finally
        {
            _sessions.TryRemove(client.Id, out _);
            if (session.Outcome is null) session.Outcome = "closed";
            client.SetCloseReason(session.Refused ? $"refused: {session.Outcome}" : session.Outcome);
            _observer?.SessionEnded(session.Snapshot());
        }
    }

    private async Task RunSessionAsync(Connection client, ClientIo io, ProxySessionState session)
    {
        if (io.Spliced is { } spliced && HandshakesOnReactor && OperatingSystem.IsLinux())
        {
            var outcome = await Socks5ReactorHandshake.RunAsync(client, spliced, SpliceRelay.Reactor, _options, session, _options.HandshakeTimeout,
                out var onReactor).ConfigureAwait(false);
            switch (outcome)
            {
                case Socks5ReactorHandshake.Outcome.Ended:
                    return;
                case Socks5ReactorHandshake.Outcome.Connect:
                    io.Watch = onReactor.Registration;
                    try
                    {
                        await Socks5CommandAsync(client, io, session, Socks5ServerHandshake.Connect, onReactor.Destination!).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Never relayed (the destination refused, the client left): the client's slot on the reactor goes.
                        onReactor.Registration?.Remove();
                    }
                    return;
                case Socks5ReactorHandshake.Outcome.Request:
                {
                    // The greeting is answered; the request is one the stream path reads (a name, UDP ASSOCIATE…), in the time left.
                    using var rest = CancellationTokenSource.CreateLinkedTokenSource(client.Closed);
                    rest.CancelAfter(TimeLeft(session));
                    if (await Socks5ServerHandshake.ReadRequestAsync(io.Input, io.Output, _options, session, rest.Token).ConfigureAwait(false) is var (command, request))
                        await Socks5CommandAsync(client, io, session, command, request).ConfigureAwait(false);
                    return;
                }
            }
            // FromStart: nothing was taken from the socket; the stream path reads it from its first byte.
        }
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(client.Closed);
        handshake.CancelAfter(TimeLeft(session));
        byte first;
        try
        {
            var r = await io.Input.ReadAsync(handshake.Token).ConfigureAwait(false);
            if (r.Buffer.IsEmpty)
            {
                io.Input.AdvanceTo(r.Buffer.End);
                session.Refuse("the client closed before saying anything");
                return;
            }
            first = r.Buffer.FirstSpan[0];
            io.Input.AdvanceTo(r.Buffer.Start); // nothing consumed: the handshake reads it again
        }
        catch (OperationCanceledException) when (handshake.IsCancellationRequested && !client.Closed.IsCancellationRequested)
        {
            // No byte yet, so no protocol to answer in: the close is the answer.
            session.Refuse($"nothing received within {Durations.Format(_options.HandshakeTimeout)}");
            return;
        }
        switch (first)
        {
            case Socks5ServerHandshake.Version when _options.Socks5:
                await Socks5Async(client, io, session, handshake.Token).ConfigureAwait(false);
                break;
            case Socks4ServerHandshake.Version when _options.Socks4:
                await Socks4Async(client, io, session, handshake.Token).ConfigureAwait(false);
                break;
            case >= (byte)'A' and <= (byte)'Z' when _options.Http:
                await HttpAsync(client, io, session, handshake.Token).ConfigureAwait(false);
                break;
            default:
                session.Refuse(first is 4 or 5 ? $"SOCKS{first} is turned off" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"unknown protocol (first byte 0x{first:x2})"));
                // Whatever else was sent is not read: the close is a reset, so the client knows it was not heard.
                client.ResetOnClose();
                break;
        }
    }

    /// <summary>What is left of the handshake's time (--handshake-timeout counts from the accept, whichever path reads it).</summary>
    private TimeSpan TimeLeft(ProxySessionState session)
    {
        var left = _options.HandshakeTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - session.StartedTicks);
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    private async Task Socks5Async(Connection client, ClientIo io, ProxySessionState session, CancellationToken handshake)
    {
        if (await Socks5ServerHandshake.ReadAsync(io.Input, io.Output, _options, session, handshake).ConfigureAwait(false) is not var (command, request))
            return;
        await Socks5CommandAsync(client, io, session, command, request).ConfigureAwait(false);
    }

    private async Task Socks5CommandAsync(Connection client, ClientIo io, ProxySessionState session, byte command, ProxyRequest request)
    {
        if (command == Socks5ServerHandshake.UdpAssociate)
        {
            await UdpAssociateAsync(client, io, session, request).ConfigureAwait(false);
            return;
        }
        ForwardLeg destination;
        try
        {
            destination = await DialAsync(request, io, client.Closed).ConfigureAwait(false);
        }
        catch (ProxyRefusal refusal)
        {
            session.Refuse(refusal.Message);
            await io.SendAsync(Socks5ServerHandshake.Reply(Socks5ServerHandshake.Code(refusal.Kind), null)).ConfigureAwait(false);
            return;
        }
        await using (destination.ConfigureAwait(false))
        {
            var connection = Underlying(destination);
            session.Remote = EndpointText.Format(connection.RemoteEndPoint);
            await io.SendAsync(Socks5ServerHandshake.Reply(Socks5Reply.Succeeded, connection.LocalEndPoint)).ConfigureAwait(false);
            await RelayAsync(client, io, destination, session, ForwardRelayOptions.Default).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The destination of <paramref name="request"/>: a socket to splice when the client's is spliced (nothing started on
    /// it), else a connection with its pipes running.
    /// </summary>
    private async Task<ForwardLeg> DialAsync(ProxyRequest request, ClientIo io, CancellationToken ct)
    {
        if (io.Spliced is not null)
        {
            // On the relay's reactor: the connect's completion goes on there, straight into the relay.
            var dialed = await _dialer.ConnectUnstartedAsync(request, ct, SpliceRelay.Supported ? SpliceRelay.Reactor : null).ConfigureAwait(false);
            return new SpliceLeg(dialed.Connection, dialed.Socket, owned: true) { Watch = dialed.Watch };
        }
        return new ConnectionLeg(await _dialer.ConnectAsync(request, ct).ConfigureAwait(false), owned: true);
    }

    private static Connection Underlying(ForwardLeg leg) => leg is SpliceLeg s ? s.Connection : ((ConnectionLeg)leg).Connection;

    private async Task UdpAssociateAsync(Connection client, ClientIo io, ProxySessionState session, ProxyRequest declared)
    {
        if (client.LocalEndPoint is not IPEndPoint local || client.RemoteEndPoint is not IPEndPoint remote)
        {
            session.Refuse("udp-associate needs an IP control connection (this one is a Unix socket)");
            await Socks5ServerHandshake.SendAsync(io.Output, Socks5ServerHandshake.Reply(Socks5Reply.CommandNotSupported, null)).ConfigureAwait(false);
            return;
        }
        Socks5UdpRelay relay;
        try
        {
            relay = Socks5UdpRelay.Open(local.Address, remote.Address, declared, _dialer, session, _options.Trace);
        }
        catch (SockException ex)
        {
            session.Refuse($"udp relay: {ex.Message}");
            await Socks5ServerHandshake.SendAsync(io.Output, Socks5ServerHandshake.Reply(Socks5Reply.GeneralFailure, null)).ConfigureAwait(false);
            return;
        }
        using (relay)
        {
            session.Remote = EndpointText.Format(relay.Bound);
            using var ended = new CancellationTokenSource();
            var relaying = relay.RunAsync(ended.Token);
            await Socks5ServerHandshake.SendAsync(io.Output, Socks5ServerHandshake.Reply(Socks5Reply.Succeeded, relay.Bound)).ConfigureAwait(false);
            // The association lasts while the control connection does; anything sent on it is read and dropped.
            try
            {
                while (true)
                {
                    var r = await io.Input.ReadAsync().ConfigureAwait(false);
                    io.Input.AdvanceTo(r.Buffer.End);
                    if (r.IsCompleted || r.IsCanceled) break;
                }
            }
            catch (IOException)
            {
                // The control connection was reset (read through a stream when spliced): the association ends all the same.
            }
            await ended.CancelAsync().ConfigureAwait(false);
            await relaying.ConfigureAwait(false);
        }
    }

    private async Task Socks4Async(Connection client, ClientIo io, ProxySessionState session, CancellationToken handshake)
    {
        if (await Socks4ServerHandshake.ReadAsync(io.Input, io.Output, _options, session, handshake).ConfigureAwait(false) is not { } request)
            return;
        ForwardLeg destination;
        try
        {
            destination = await DialAsync(request, io, client.Closed).ConfigureAwait(false);
        }
        catch (ProxyRefusal refusal)
        {
            session.Refuse(refusal.Message);
            await Socks5ServerHandshake.SendAsync(io.Output, Socks4ServerHandshake.Reply(false, null)).ConfigureAwait(false);
            return;
        }
        await using (destination.ConfigureAwait(false))
        {
            var connection = Underlying(destination);
            session.Remote = EndpointText.Format(connection.RemoteEndPoint);
            await Socks5ServerHandshake.SendAsync(io.Output, Socks4ServerHandshake.Reply(true, connection.LocalEndPoint)).ConfigureAwait(false);
            await RelayAsync(client, io, destination, session, ForwardRelayOptions.Default).ConfigureAwait(false);
        }
    }

    // Plain HTTP forwarding sends Connection: close, so the destination's response and close end the exchange.
    private static readonly ForwardRelayOptions EndWithDestination = new() { EndWithTarget = true };

    /// <summary>
    /// The client and its destination relayed by sock's one relay (<see cref="ForwardRelay"/>): both ways with
    /// back-pressure, a FIN passed on as a FIN (the other way goes on), a reset as a reset.
    /// </summary>
    private static async Task RelayAsync(Connection client, ClientIo io, ForwardLeg destination, ProxySessionState session, ForwardRelayOptions options)
    {
        ForwardLeg clientLeg;
        long earlyBytes = 0;
        if (io.Spliced is { } socket && destination is SpliceLeg spliced)
        {
            // What the client sent right after its request (read with the handshake) goes first, then the kernel splices.
            // (The reactor's handshake takes only the handshake off the socket: the rest is spliced with everything after it.)
            if (io.HasPipes && io.Input.TryRead(out var early))
            {
                var length = early.Buffer.Length;
                try
                {
                    foreach (var segment in early.Buffer)
                        for (var sent = 0; sent < segment.Length;)
                        {
                            var n = await spliced.Socket.SendAsync(segment[sent..]).ConfigureAwait(false);
                            spliced.Connection.Traffic.Sent(n);
                            sent += n;
                        }
                }
                finally
                {
                    io.Input.AdvanceTo(early.Buffer.End);
                }
                earlyBytes = length;
            }
            clientLeg = new SpliceLeg(client, socket, owned: false) { Watch = io.Watch, WatchesOutput = false };
        }
        else
        {
            // Over the client's pipes: the connection's own, or the stream's when the client's socket was taken whole.
            clientLeg = new ConnectionLeg(client, owned: false, transport: new Connections.DuplexPipe(io.Input, io.Output));
        }
        io.Relayed = true;
        var pair = new ForwardSession(client.Id, clientLeg, session.Destination ?? "", destination);
        if (earlyBytes > 0) pair.Relayed(ForwardDirection.ToTarget, earlyBytes);
        session.Relay = pair;
        await ForwardRelay.RunAsync(pair, null, options).ConfigureAwait(false);
    }

    /// <summary>
    /// The client's side of a session: the pipes the handshake reads and answers on, and its socket when it is spliced.
    /// A spliced client's pipes (a stream over its socket) are made only if the stream path reads it: the reactor's
    /// handshake reads and answers the socket itself.
    /// </summary>
    private sealed class ClientIo
    {
        private readonly Connection? _client;
        private PipeReader? _input;
        private PipeWriter? _output;

        /// <summary>A client served over its connection's pipes.</summary>
        public ClientIo(PipeReader input, PipeWriter output)
        {
            _input = input;
            _output = output;
        }

        /// <summary>A client whose socket was taken whole, to be spliced.</summary>
        public ClientIo(Connection client, TracedSocket spliced)
        {
            _client = client;
            Spliced = spliced;
        }

        public PipeReader Input => _input ?? Open().Input;

        public PipeWriter Output => _output ?? Open().Output;

        /// <summary>True once the pipes exist (a spliced client's: once the stream path has read it).</summary>
        public bool HasPipes => _input is not null;

        public TracedSocket? Spliced { get; }

        /// <summary>The client's registration on the relay's reactor, from the reactor's handshake (the relay takes it over).</summary>
        public EpollReactor.Registration? Watch { get; set; }

        /// <summary>The session reached its relay (a destination answered).</summary>
        public bool Relayed { get; set; }

        private (PipeReader Input, PipeWriter Output) Open()
        {
            var socket = Spliced!.Socket;
            // Accepted on a reactor, the socket is non-blocking, which a NetworkStream refuses; .NET's engine keeps the
            // descriptor non-blocking underneath all the same.
            if (!socket.Blocking) socket.Blocking = true;
            var stream = new CountingSocketStream(_client!, socket);
            _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
            _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            return (_input, _output);
        }

        /// <summary>Sends a handshake message: through the pipes when the stream path has them, else straight on the socket.</summary>
        public ValueTask SendAsync(byte[] bytes)
        {
            if (HasPipes || Spliced is null || !OperatingSystem.IsLinux()) return Socks5ServerHandshake.SendAsync(Output, bytes);
            return Socks5ReactorHandshake.SendReplyAsync(_client!, Spliced, bytes);
        }

        /// <summary>Completes the pipes a spliced client's stream path made (not the connection's own: the connection does).</summary>
        public async ValueTask CompleteAsync()
        {
            if (Spliced is null || _input is null) return;
            await _input.CompleteAsync().ConfigureAwait(false);
            try { await _output!.CompleteAsync().ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { }
        }
    }

    private async Task HttpAsync(Connection client, ClientIo io, ProxySessionState session, CancellationToken handshake)
    {
        if (await HttpProxyHandshake.ReadAsync(io.Input, io.Output, _options, _httpAuth, session, handshake).ConfigureAwait(false) is not { } request)
            return;
        ForwardLeg destination;
        try
        {
            // Plain forwarding rewrites the head and ends with the destination: the copying relay, over pipes.
            destination = request.ForwardHead is null
                ? await DialAsync(request.Destination, io, client.Closed).ConfigureAwait(false)
                : new ConnectionLeg(await _dialer.ConnectAsync(request.Destination, client.Closed).ConfigureAwait(false), owned: true);
        }
        catch (ProxyRefusal refusal)
        {
            session.Refuse(refusal.Message);
            var (code, reason) = HttpProxyHandshake.Status(refusal.Kind);
            await HttpProxyHandshake.SendAsync(io.Output, HttpProxyHandshake.Response(code, reason, refusal.Message)).ConfigureAwait(false);
            return;
        }
        await using (destination.ConfigureAwait(false))
        {
            session.Remote = EndpointText.Format(Underlying(destination).RemoteEndPoint);
            if (request.ForwardHead is { } head)
            {
                await HttpProxyHandshake.SendAsync(destination.Transport.Output, head).ConfigureAwait(false);
                await RelayAsync(client, io, destination, session, EndWithDestination).ConfigureAwait(false);
            }
            else
            {
                await HttpProxyHandshake.SendAsync(io.Output, "HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
                await RelayAsync(client, io, destination, session, ForwardRelayOptions.Default).ConfigureAwait(false);
            }
        }
    }
}
