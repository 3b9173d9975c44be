using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Connections;
using Sock.Core.Serving;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// `sock listen` over TCP or a Unix stream socket. One client by default (the listening socket closes once it is
/// accepted, and sock exits when it leaves); with -k many clients at once, what each sends goes to the output and
/// what the input carries goes to every client; --broker relays each client's data to all the others; --chat is a
/// broker with names. Denied peers are closed before any byte is read; clients over -m are closed at once.
/// </summary>
internal sealed class StreamListener
{
    private readonly NetcatOptions _options;
    private readonly SocketTrace? _trace;
    private readonly INetcatObserver _log;
    private ClientHub? _hub;
    private SocketServer? _server;

    /// <summary>A listener for <paramref name="options"/>.</summary>
    public StreamListener(NetcatOptions options, SocketTrace? trace, INetcatObserver log)
    {
        _options = options;
        _trace = trace;
        _log = log;
    }

    /// <summary>Fires once the socket listens, with the addresses it answers on.</summary>
    public event Action<IReadOnlyList<string>>? Listening;

    /// <summary>Fires when the one-client session starts relaying (for a progress display).</summary>
    public event Action<Relay>? RelayStarted;

    /// <summary>The number of clients connected now.</summary>
    public int ActiveClients => _hub?.Active ?? _server?.ActiveConnections ?? 0;

    /// <summary>Binds, listens and serves until done (one client) or cancelled (-k).</summary>
    public async Task<RelayResult?> RunAsync(Stream? input, Stream? output, CancellationToken ct)
    {
        var access = await AccessList.CreateAsync(_options.Allow, _options.Deny, _options.NoDns, ct).ConfigureAwait(false);
        if (_options.RunsProgram) ExecRunner.StartInfo(_options);
        // The certificate first: a bad file is an error before anything listens.
        using var certificate = _options.TlsListen is { } tls ? NetcatTls.Certificate(tls, _log) : null;
        _certificate = certificate;
        var listener = await ListenBinder.BindAsync(_options, _trace, ct).ConfigureAwait(false);
        try
        {
            var addresses = SocketBinder.Describe(listener);
            foreach (var a in addresses) _log.On(new Listening(a, Datagram: false));
            Listening?.Invoke(addresses);
            var many = _options.KeepOpen || _options.Broker || _options.Chat;
            // Open -o/-x files before any client comes, so a bad path fails at once.
            using var recorder = SessionRecorder.For(_options, _log);
            if (!many) return await ServeOneAsync(listener, access, input, output, recorder, ct).ConfigureAwait(false);
            return await ServeManyAsync(listener, access, input, output, recorder, ct).ConfigureAwait(false)
                ? new RelayResult(0, 0, RelayEnd.OutputClosed) : null;
        }
        finally
        {
            listener.Dispose();
            if (_options.UnixPath is { } path) UnixSocketFile.Remove(path);
        }
    }

    /// <summary>
    /// One client on the serving engine: the listening socket closes once a peer is admitted (later ones are refused, as
    /// ncat's), and the client's socket is the relay's (or the program's) whole, as before the engine.
    /// </summary>
    private async Task<RelayResult?> ServeOneAsync(TracedSocket listener, AccessList access, Stream? input, Stream? output, SessionRecorder? recorder, CancellationToken ct)
    {
        var done = new TaskCompletionSource<RelayResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var observer = new NetcatServerObserver(_log);
        var server = new SocketServer(NetcatServerOptions(), _trace, observer);
        try
        {
            server.ListenOnOnce("listen", listener, new SocketHandler(async (_, client) =>
            {
                try
                {
                    done.TrySetResult(await RelayOneAsync(client, input, output, recorder, ct).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    done.TrySetException(ex);
                }
            }).Stream, ClientHub.Admission(access, _options, () => server.ActiveConnections));
            server.Start();
            // Until the client's session ends, or a signal before any client came; a client taken in time has its
            // session end (cancelled by the same signal) as it would have without the engine.
            if (await Task.WhenAny(done.Task, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false) != done.Task
                && server.TotalAccepted == 0)
                return null;
            var result = await done.Task.ConfigureAwait(false);
            await server.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return result;
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RelayResult> RelayOneAsync(TracedSocket client, Stream? input, Stream? output, SessionRecorder? recorder, CancellationToken ct)
    {
        // The socket is closed before the result is known outside, as it was when this owned the accept.
        using (client)
        {
            var peer = PeerText(client);
            _log.On(new ClientConnected(peer));
            await using var tls = await TlsAsync(client, peer, ct).ConfigureAwait(false);
            RelayResult result;
            if (_options.RunsProgram)
                result = await ExecRunner.RunAsync(client, _options, recorder, ReadOnlyMemory<byte>.Empty, ct, tls).ConfigureAwait(false);
            else
            {
                var relay = new Relay(client, _options.IgnoresStdin ? null : input, _options.SendOnly ? null : output, _options, recorder, tls);
                RelayStarted?.Invoke(relay);
                result = await relay.RunAsync(ct).ConfigureAwait(false);
            }
            _log.On(new ClientClosed(peer, result.BytesSent, result.BytesReceived));
            return result;
        }
    }

    /// <summary>
    /// The engine's options for the modes whose handler owns the socket: -i is the relay's own (it counts what the relay
    /// moves; the engine sees no bytes), and on a stop a client's session is given a second to end.
    /// </summary>
    private static ServerOptions NetcatServerOptions() => new() { DrainTimeout = TimeSpan.FromSeconds(1) };

    /// <summary>Serves until cancelled; true when it stopped because the output was closed.</summary>
    private async Task<bool> ServeManyAsync(TracedSocket listener, AccessList access, Stream? input, Stream? output, SessionRecorder? recorder, CancellationToken ct)
    {
        if (_options.RunsProgram)
        {
            await ServeProgramsAsync(listener, access, recorder, ct).ConfigureAwait(false);
            return false;
        }
        // Keep-open, broker and chat clients run on the serving engine; the hub decides where their bytes go.
        var hub = new ClientHub(_options, _log, output, recorder, _certificate);
        _hub = hub;
        var serverOptions = new ServerOptions { IdleTimeout = _options.IdleTimeout, DrainTimeout = TimeSpan.FromSeconds(1) };
        if (_options.IoThreads is { } threads) serverOptions.IoThreads = threads;
        var server = new SocketServer(serverOptions, _trace, hub);
        try
        {
            server.ListenOn("listen", listener, hub.RunAsync, ClientHub.Admission(access, _options, () => server.ActiveConnections), hub.Layers);
            server.Start();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // As ncat, the listener's own input goes to every client in all three modes; in a chat it is a speaker of
            // its own, <user#0> (clients count from 1).
            var stdin = input is null || _options.IgnoresStdin ? Task.CompletedTask
                : _options.Chat ? ChatInputAsync(input, hub, stop.Token)
                : BroadcastInputAsync(input, hub, stop.Token);
            // Until a signal, or until stdout is closed: then what clients send has nowhere to go (as ncat, stop).
            await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), hub.OutputClosed).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            // Stop accepting; what is queued for each client is sent within a second, then the rest are closed.
            await server.StopAsync().ConfigureAwait(false);
            await stdin.ConfigureAwait(false);
            return hub.OutputClosed.IsCompleted;
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// -k with -e/-c on the serving engine: each admitted client's socket is handed to its own program (through netcat's
    /// relay, so -i, -q, half-close and TLS are as with one client); at most -m at once.
    /// </summary>
    private async Task ServeProgramsAsync(TracedSocket listener, AccessList access, SessionRecorder? recorder, CancellationToken ct)
    {
        var observer = new NetcatServerObserver(_log);
        var server = new SocketServer(NetcatServerOptions(), _trace, observer);
        _server = server;
        try
        {
            server.ListenOn("listen", listener, new SocketHandler((_, client) => RunProgramAsync(client, recorder, ct)).Stream,
                ClientHub.Admission(access, _options, () => server.ActiveConnections));
            server.Start();
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            // Stop accepting; sessions (cancelled with ct) get a second to end, then the rest are closed.
            await server.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask RunProgramAsync(TracedSocket client, SessionRecorder? recorder, CancellationToken ct)
    {
        var peer = PeerText(client);
        _log.On(new ClientConnected(peer));
        try
        {
            using (client)
            {
                await using var tls = await TlsAsync(client, peer, ct).ConfigureAwait(false);
                await ExecRunner.RunAsync(client, _options, recorder, ReadOnlyMemory<byte>.Empty, ct, tls).ConfigureAwait(false);
            }
        }
        catch (SockException ex) { _log.On(new ClientFailed(peer, ex.Message)); }
        catch (OperationCanceledException) { }
        finally
        {
            _log.On(new ClientClosed(peer));
        }
    }

    private async Task BroadcastInputAsync(Stream input, ClientHub hub, CancellationToken ct)
    {
        try
        {
            await foreach (var data in InputChunks.ReadAsync(input, 64 * 1024, _options.Crlf, ct).ConfigureAwait(false))
                await hub.BroadcastAsync(data, except: 0).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private async Task ChatInputAsync(Stream input, ClientHub hub, CancellationToken ct)
    {
        var lines = new ChatLineBuffer();
        try
        {
            await foreach (var data in InputChunks.ReadAsync(input, 64 * 1024, _options.Crlf, ct).ConfigureAwait(false))
                foreach (var line in lines.Add(data.Span))
                    await hub.BroadcastAsync(ChatText.Line(0, line), except: 0).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    /// <summary>The TLS session with a client (listen --ssl), or null for plain TCP.</summary>
    private async Task<System.Net.Security.SslStream?> TlsAsync(TracedSocket client, string peer, CancellationToken ct) =>
        _options.TlsListen is { } tls
            ? await NetcatTls.AcceptAsync(client, _certificate!, _options, tls, peer, _log, ct).ConfigureAwait(false)
            : null;

    private static string PeerText(TracedSocket s)
    {
        try
        {
            var ep = s.Socket.RemoteEndPoint;
            return ep is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "a local client" : EndpointText.Format(ep);
        }
        catch (SocketException) { return "?"; }
    }
}
