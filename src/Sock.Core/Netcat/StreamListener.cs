using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
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
    private readonly INetcatLog _log;
    private ClientHub? _hub;
    private int _active;

    /// <summary>A listener for <paramref name="options"/>.</summary>
    public StreamListener(NetcatOptions options, SocketTrace? trace, INetcatLog log)
    {
        _options = options;
        _trace = trace;
        _log = log;
    }

    /// <summary>Fires once the socket listens, with the addresses it answers on.</summary>
    public event Action<IReadOnlyList<string>>? Listening;

    /// <summary>Fires when the one-client session starts relaying (for a progress display).</summary>
    public event Action<StreamRelay>? RelayStarted;

    /// <summary>The number of clients connected now.</summary>
    public int ActiveClients => _hub?.Active ?? Volatile.Read(ref _active);

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
            foreach (var a in addresses) _log.Write(1, $"Listening on {a}");
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

    private async Task<TracedSocket?> AcceptAdmittedAsync(TracedSocket listener, AccessList access, CancellationToken ct)
    {
        var client = await listener.AcceptAsync(ct).ConfigureAwait(false);
        try
        {
            if (!access.Empty && client.Socket.RemoteEndPoint is IPEndPoint ip && !access.Admits(ip.Address))
            {
                _log.Write(1, $"Connection from {EndpointText.Format(ip)} denied (--allow/--deny)");
                client.Dispose();
                return null;
            }
            if (_options.MaxConnections == 0)
            {
                // -m 0 admits nobody, as ncat's; the one-client listener keeps waiting rather than counting it.
                _log.Write(1, $"Connection from {PeerText(client)} closed: too many connections (-m 0)");
                client.Dispose();
                return null;
            }
            if (client.Socket.AddressFamily != AddressFamily.Unix) client.Socket.NoDelay = true;
            return client;
        }
        catch (SocketException ex)
        {
            // The peer reset before the connection was set up (getpeername or setsockopt fails): wait for the next one.
            _log.Write(1, $"A connection was lost before it was set up: {SocketErrorText.Describe(ex.SocketErrorCode)}");
            client.Dispose();
            return null;
        }
    }

    private async Task<RelayResult?> ServeOneAsync(TracedSocket listener, AccessList access, Stream? input, Stream? output, SessionRecorder? recorder, CancellationToken ct)
    {
        TracedSocket? client = null;
        try
        {
            while (client is null)
                client = await AcceptAdmittedAsync(listener, access, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        // ncat serves one client: later ones are refused instead of waiting in the backlog.
        listener.Dispose();
        using (client)
        {
            var peer = PeerText(client);
            _log.Write(1, $"Connection from {peer}");
            await using var tls = await TlsAsync(client, peer, ct).ConfigureAwait(false);
            RelayResult result;
            if (_options.RunsProgram)
                result = await ExecRunner.RunAsync(client, _options, recorder, ReadOnlyMemory<byte>.Empty, ct, tls).ConfigureAwait(false);
            else
            {
                var relay = new StreamRelay(client, _options.IgnoresStdin ? null : input, _options.SendOnly ? null : output, _options, recorder, tls);
                RelayStarted?.Invoke(relay);
                result = await relay.RunAsync(ct).ConfigureAwait(false);
            }
            _log.Write(1, $"Connection from {peer} closed ({result.BytesSent} bytes sent, {result.BytesReceived} received)");
            return result;
        }
    }

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
        var server = new SocketServer(new ServerOptions { IdleTimeout = _options.IdleTimeout, DrainTimeout = TimeSpan.FromSeconds(1) }, _trace, hub);
        try
        {
            server.ListenOn("listen", listener, hub.RunAsync, ClientHub.Admission(access, _options, () => server.ActiveConnections));
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

    /// <summary>-k with -e/-c: each client's socket is handed to its own program, so these stay off the engine's pipes.</summary>
    private async Task ServeProgramsAsync(TracedSocket listener, AccessList access, SessionRecorder? recorder, CancellationToken ct)
    {
        var sessions = new List<Task>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                TracedSocket? client;
                try
                {
                    client = await AcceptAdmittedAsync(listener, access, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) { break; }
                catch (SockException ex) when (ex.SocketError is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    _log.Write(1, $"accept failed: {ex.Reason}");
                    await Task.Delay(100, ct).ConfigureAwait(false);
                    continue;
                }
                if (client is null) continue;
                if (Volatile.Read(ref _active) >= _options.MaxConnections)
                {
                    _log.Write(1, $"Connection from {PeerText(client)} closed: too many connections (-m {_options.MaxConnections})");
                    client.Dispose();
                    continue;
                }
                Interlocked.Increment(ref _active);
                sessions.RemoveAll(t => t.IsCompleted);
                sessions.Add(RunProgramAsync(client, recorder, cts.Token));
            }
        }
        finally
        {
            listener.Dispose();
            var drained = Task.WhenAll(sessions);
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
            await cts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async Task RunProgramAsync(TracedSocket client, SessionRecorder? recorder, CancellationToken ct)
    {
        var peer = PeerText(client);
        _log.Write(1, $"Connection from {peer}");
        try
        {
            using (client)
            {
                await using var tls = await TlsAsync(client, peer, ct).ConfigureAwait(false);
                await ExecRunner.RunAsync(client, _options, recorder, ReadOnlyMemory<byte>.Empty, ct, tls).ConfigureAwait(false);
            }
        }
        catch (SockException ex) { _log.Write(1, $"Connection from {peer}: {ex.Message}"); }
        catch (OperationCanceledException) { }
        finally
        {
            Interlocked.Decrement(ref _active);
            _log.Write(1, $"Connection from {peer} closed");
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
