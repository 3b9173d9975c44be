using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// UDP clients to a target of any kind (a TCP or Unix socket, TLS, a program): what socat's <c>UDP-LISTEN:P,fork TCP:…</c>
/// does with a child per client address, in one process. One receive loop on the listening socket; per client address a
/// session whose client leg is that address (<see cref="DatagramClientLeg"/>: its datagrams in, the target's bytes back
/// as datagrams from the listening socket) and whose target leg <see cref="IForwardTarget"/> opens, relayed as a stream
/// pair is. With <see cref="ForwardOptions.SessionPerDatagram"/> every datagram is a session of its own, its only input
/// (socat's UDP-RECVFROM with fork). A session ends when its relay does, or after <see cref="ForwardOptions.UdpIdleTimeout"/>
/// with no datagram either way; a new client over <see cref="ForwardOptions.MaxSessions"/> (or refused by the access
/// list) has its datagrams dropped, counted.
/// </summary>
internal sealed class DatagramClientForwarder : IDatagramSessions
{
    private const int MaxDatagram = 65535;
    private readonly TracedSocket _socket;
    private readonly IForwardTarget _target;
    private readonly ForwardOptions _options;
    private readonly ForwardObserver? _observer;
    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    // The session of each client address (not used when every datagram is a session of its own).
    private readonly ConcurrentDictionary<EndPoint, Session> _byClient = new();
    private readonly CancellationTokenSource _receiving = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly DatagramSessionLedger _ledger;
    private Task _loop = Task.CompletedTask;
    private Timer? _idle;
    private long _nextId;
    private long _opened;
    private int _stopping;

    public DatagramClientForwarder(TracedSocket socket, IForwardTarget target, ForwardOptions options, ForwardObserver? observer)
    {
        _socket = socket;
        _target = target;
        _options = options;
        _observer = observer;
        _ledger = new DatagramSessionLedger(options, observer);
    }

    public long Refused => _ledger.Refused;

    /// <summary>Sessions whose target leg was opened, since start.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    public int Count => _sessions.Count;

    public long BytesToTarget => _ledger.ClosedToTarget + _sessions.Values.Sum(s => s.Forward.BytesToTarget);

    public long BytesToClient => _ledger.ClosedToClient + _sessions.Values.Sum(s => s.Forward.BytesToClient);

    /// <summary>The sessions open now.</summary>
    public IEnumerable<ForwardSession> Sessions => _sessions.Values.Select(s => s.Forward);

    public EndPoint Start()
    {
        var local = _socket.Socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveLoopAsync);
        _idle = _ledger.StartIdleSweep(EndIdle);
        return local;
    }

    /// <summary>
    /// Stops receiving, lets open sessions finish within <paramref name="drain"/> (their answers still go out of the
    /// listening socket), then ends the rest and closes the socket. Returns how many were ended at the deadline.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan drain)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return 0;
        await _receiving.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        var open = _sessions.Values.ToArray();
        var finished = Task.WhenAll(open.Select(s => s.Run));
        var forced = 0;
        if (await Task.WhenAny(finished, Task.Delay(drain)).ConfigureAwait(false) != finished)
        {
            foreach (var s in _sessions.Values)
            {
                forced++;
                s.End("forwarder stopped");
            }
            await _stopped.CancelAsync().ConfigureAwait(false);
            await finished.ConfigureAwait(false);
        }
        if (_idle is not null) await _idle.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        return forced;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _receiving.Dispose();
        _stopped.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = _socket.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var perDatagram = _options.SessionPerDatagram;
        while (!_receiving.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, any, _receiving.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SockException)
            {
                // An ICMP error for an earlier answer to a client that has gone: nothing to do for the others.
                continue;
            }
            var client = r.RemoteEndPoint;
            var datagram = buffer.AsSpan(0, r.ReceivedBytes);
            if (!perDatagram && _byClient.TryGetValue(client, out var session))
            {
                if (!session.Client.Deliver(datagram))
                    _observer?.Dropped(client, "the session's input has ended or is full");
                continue;
            }
            if (datagram.IsEmpty) continue; // an end of input for no session
            session = Open(client);
            if (session is null) continue;
            session.Client.Deliver(datagram);
            session.Run = Task.Run(() => RunAsync(session));
        }
    }

    private Session? Open(EndPoint client)
    {
        if (!_ledger.Admit(client, _sessions.Count)) return null;
        var leg = new DatagramClientLeg(_socket, client, _options.SessionPerDatagram, _options.MaxInputBuffer);
        var session = new Session(client, leg, new ForwardSession(Interlocked.Increment(ref _nextId), leg, _target.Name));
        _sessions[session.Forward.Id] = session;
        if (!_options.SessionPerDatagram) _byClient[client] = session;
        return session;
    }

    /// <summary>Opens the session's target leg and relays until the pair is done; then the client address is free for a new session.</summary>
    private async Task RunAsync(Session session)
    {
        var forward = session.Forward;
        try
        {
            ForwardLeg target;
            try
            {
                using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token, session.Ending.Token);
                target = await _target.OpenAsync(new ForwardClient
                {
                    SessionId = forward.Id,
                    Remote = session.Address,
                    Local = _socket.Socket.LocalEndPoint,
                    Description = forward.ClientName,
                    Observer = _observer,
                }, giveUp.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SockException or OperationCanceledException)
            {
                // That client's datagrams are dropped with the reason logged; the others go on.
                var reason = ex is SockException s ? s.Message : "forwarder stopped";
                forward.Close(reason);
                _ledger.CountRefused();
                _observer?.Refused(forward.ClientName, reason, forward);
                return;
            }
            forward.Target = target;
            session.Target = target;
            Interlocked.Increment(ref _opened);
            _observer?.Opened(forward);
            await using (target.ConfigureAwait(false))
            {
                if (session.Ending.IsCancellationRequested) session.End(forward.CloseReason ?? "forwarder stopped");
                await ForwardRelay.RunAsync(forward, _observer, _options.Relay).ConfigureAwait(false);
            }
            forward.Close("closed");
            _observer?.Closed(forward);
        }
        finally
        {
            lock (_sessions)
            {
                _ledger.Closed(forward);
                _sessions.TryRemove(forward.Id, out _);
                _byClient.TryRemove(new KeyValuePair<EndPoint, Session>(session.Address, session));
            }
            await session.Client.DisposeAsync().ConfigureAwait(false);
            session.Ending.Dispose();
        }
    }

    private void EndIdle(long limit)
    {
        foreach (var s in _sessions.Values)
            if (s.Client.IdleMilliseconds >= limit)
                s.End(_ledger.IdleReason);
    }

    private sealed class Session(EndPoint address, DatagramClientLeg client, ForwardSession forward)
    {
        public EndPoint Address { get; } = address;

        public DatagramClientLeg Client { get; } = client;

        public ForwardSession Forward { get; } = forward;

        public ForwardLeg? Target { get; set; }

        public Task Run { get; set; } = Task.CompletedTask;

        /// <summary>Cancelled when the session is ended from outside (idle, stop), to give up a target still being opened.</summary>
        public CancellationTokenSource Ending { get; } = new();

        /// <summary>Ends both legs (a plain close: UDP has no reset to pass on), for <paramref name="reason"/>.</summary>
        public void End(string reason)
        {
            Forward.SetReason(reason);
            try { Ending.Cancel(); } catch (ObjectDisposedException) { }
            Target?.Abort(reason, reset: false);
            Client.Abort(reason, reset: false);
        }
    }
}
