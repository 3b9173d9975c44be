using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Tls;

namespace Sock.Core.Netcat;

/// <summary>
/// The clients of a keep-open, broker or chat listener, run as a handler on the serving engine: what each client sends
/// goes to the output (or, as a broker, to every other client); the input goes to all of them. Writes to one client
/// take turns (a pipe has one writer at a time) and wait on its bounded output, so a slow client stalls whoever feeds
/// it instead of growing memory. With a <paramref name="certificate"/> (--ssl) each client first completes a TLS
/// handshake in the server's TLS layer (<see cref="Layers"/>), which the engine runs per connection, and joins only then:
/// a client that never finishes it is dropped after the handshake timeout (-w, or ncat's 10 s), and the others go on
/// meanwhile. Also the engine's observer, for ncat's -v lines.
/// </summary>
internal sealed class ClientHub(NetcatOptions options, INetcatObserver log, Stream? output, SessionRecorder? recorder,
    X509Certificate2? certificate = null) : IServerObserver
{
    private readonly ConcurrentDictionary<long, Client> _clients = new();
    private readonly SemaphoreSlim _outputGate = new(1, 1);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _joinLock = new();
    private int _nextId;
    private int _active;

    /// <summary>Completes when a write to the output failed (a closed pipe): nothing the clients send can go anywhere now.</summary>
    public Task OutputClosed => _outputClosed.Task;

    /// <summary>Clients connected now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>The engine's admission check: --allow/--deny first, then -m.</summary>
    public static AdmissionFilter Admission(AccessList access, NetcatOptions options, Func<int> active) => remote =>
        !access.Empty && remote is IPEndPoint ip && !access.Admits(ip.Address) ? "denied (--allow/--deny)"
        : active() >= options.MaxConnections ? $"closed: too many connections (-m {options.MaxConnections})"
        : null;

    /// <summary>
    /// The layers each client passes through before <see cref="RunAsync"/>: with --ssl, the server's TLS layer, in
    /// netcat's words: its handshake bounded by -w (or ncat's 10 s), the session told under -v, a failed handshake a -v line
    /// (<see cref="IServerObserver.LayerRefused"/>), and the client never joins.
    /// </summary>
    public IReadOnlyList<ConnectionLayer> Layers => certificate is null ? [] :
    [
        new TlsServerLayer(certificate, options.TlsListen!)
        {
            HandshakeTimeout = options.ConnectTimeout ?? TlsClient.DefaultHandshakeTimeout,
            Established = (connection, session) => log.On(new TlsServerSession(PeerText(connection.RemoteEndPoint), session)),
        },
    ];

    /// <summary>The connection handler: one client from its first byte to its last (in plaintext, under --ssl's layer).</summary>
    public async ValueTask RunAsync(Connection connection)
    {
        var client = new Client(Interlocked.Increment(ref _nextId), connection);
        // A chat join is one step: who was there before is taken, and the newcomer added, under one lock. So of two
        // clients joining at once, exactly one finds the other there before it and tells both sides; the other learns
        // nothing twice (each join is announced once to each other client).
        List<Client> before;
        lock (_joinLock)
        {
            before = options.Chat ? [.. _clients.Values.OrderBy(c => c.Id)] : [];
            _clients[connection.Id] = client;
        }
        log.On(new HubClientJoined(client.Peer, client.Id, Interlocked.Increment(ref _active)));
        var chat = options.Chat ? new ChatLineBuffer() : null;
        var stopping = connection.Stopping;
        if (chat is not null)
        {
            // The others hear of the newcomer before it hears of them: once its own line has arrived, its arrival has
            // been told, so a client that connects after that line cannot be told of it as news.
            var others = before.Select(c => $"{c.Peer} as {ChatText.Name(c.Id)}").ToList();
            var joined = ChatText.Announce($"{client.Peer} is connected as {ChatText.Name(client.Id)}.");
            foreach (var c in before) await c.SendAsync(joined, recorder).ConfigureAwait(false);
            await client.SendAsync(ChatText.Announce(others.Count == 0 ? "already connected: nobody." : $"already connected: {string.Join(", ", others)}."), recorder).ConfigureAwait(false);
        }
        var input = connection.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(stopping).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    recorder?.Received(segment.Span);
                    if (chat is not null)
                    {
                        foreach (var line in chat.Add(segment.Span))
                            await BroadcastAsync(ChatText.Line(client.Id, line), client.Id).ConfigureAwait(false);
                    }
                    else if (options.Broker)
                        await BroadcastAsync(segment.ToArray(), client.Id).ConfigureAwait(false);
                    else
                        await WriteOutputAsync(segment, stopping).ConfigureAwait(false);
                }
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            // Nobody writes to it from now on: once this handler returns, the TLS layer (--ssl) sends close_notify and the
            // engine completes the output.
            await client.CloseAsync().ConfigureAwait(false);
        }
        if (chat is not null && !stopping.IsCancellationRequested)
            await BroadcastAsync(ChatText.Announce($"{ChatText.Name(client.Id)} is disconnected."), client.Id).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="data"/> to every client but <paramref name="except"/> (0: to all), one after another.</summary>
    public async ValueTask BroadcastAsync(ReadOnlyMemory<byte> data, int except)
    {
        foreach (var c in _clients.Values)
            if (c.Id != except)
                await c.SendAsync(data, recorder).ConfigureAwait(false);
    }

    void IServerObserver.Closed(SocketRecord record)
    {
        // Logged once the engine has closed the socket and freed its slot, so a client that connects after this line
        // counts against -m without the old one.
        if (_clients.TryRemove(record.Id, out var client))
            log.On(new HubClientLeft(client.Peer, client.Id));
    }

    void IServerObserver.Rejected(string service, EndPoint? remote, string reason) =>
        log.On(new ClientRefused(PeerText(remote), reason));

    // A client whose TLS handshake failed never joined: it is closed, and nobody else noticed it. The record names an
    // unnamed Unix client "(unnamed)"; netcat's lines call it a local client.
    void IServerObserver.LayerRefused(SocketRecord record, string layer, string reason) =>
        log.On(new ClientFailed(record.Remote == "(unnamed)" ? "a local client" : record.Remote, reason));

    void IServerObserver.Failed(string service, Exception error) => log.On(new ListenerFailed(service, error.Message));

    private async ValueTask WriteOutputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (output is null || options.SendOnly || _outputClosed.Task.IsCompleted) return;
        await _outputGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await output.WriteAsync(data, ct).ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _outputClosed.TrySetResult();
        }
        finally
        {
            _outputGate.Release();
        }
    }

    private static string PeerText(EndPoint? ep) =>
        ep is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "a local client" : EndpointText.Format(ep);

    /// <summary>One client: its number (ncat's client N), its address, and its turn-taking output.</summary>
    private sealed class Client(int id, Connection connection)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _closed;

        public int Id { get; } = id;

        public string Peer { get; } = PeerText(connection.RemoteEndPoint);

        /// <summary>Queues <paramref name="data"/> for this client and waits while its output is full; false once it is gone.</summary>
        public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data, SessionRecorder? recorder)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closed || connection.Closed.IsCancellationRequested) return false;
                recorder?.Sent(data.Span);
                connection.Output.Write(data.Span);
                return !(await connection.Output.FlushAsync().ConfigureAwait(false)).IsCompleted;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The output was completed under the write (the client is gone): the others go on.
                _closed = true;
                return false;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Ends sending to this client (after a send in progress has finished).</summary>
        public async ValueTask CloseAsync()
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            _closed = true;
            _gate.Release();
        }
    }
}
