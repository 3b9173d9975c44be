using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// UDP forwarding: one receive loop on the listening socket, and per client address a session with its own socket
/// connected to the target (so the target sees one peer per client, and its replies come back on that socket and go to
/// that client only). A session ends after <see cref="ForwardOptions.UdpIdleTimeout"/> with no datagram either way; a new
/// client address over <see cref="ForwardOptions.MaxSessions"/> (or refused by the access list) has its datagrams
/// dropped and counted.
/// </summary>
internal sealed class DatagramForwarder : IDatagramSessions
{
    private const int MaxDatagram = 65535;
    private readonly TracedSocket _socket;
    private readonly ForwardEndpoint _target;
    private readonly ForwardOptions _options;
    private readonly ForwardObserver? _observer;
    private readonly ConcurrentDictionary<EndPoint, Session> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TrafficCounters _listenerTraffic = new();
    private readonly DatagramSessionLedger _ledger;
    private Task _receiving = Task.CompletedTask;
    private Timer? _idle;
    private long _nextId;
    private int _stopped;

    public DatagramForwarder(TracedSocket socket, ForwardEndpoint target, ForwardOptions options, ForwardObserver? observer)
    {
        if (target.Port == 0) throw SockException.Usage("forward", target.ToString(), "a target needs a port from 1 to 65535");
        _socket = socket;
        _target = target;
        _options = options;
        _observer = observer;
        _ledger = new DatagramSessionLedger(options, observer);
    }

    public long Refused => _ledger.Refused;

    public int Count => _sessions.Count;

    public long BytesToTarget => _ledger.ClosedToTarget + _sessions.Values.Sum(s => s.Forward.BytesToTarget);

    public long BytesToClient => _ledger.ClosedToClient + _sessions.Values.Sum(s => s.Forward.BytesToClient);

    public IEnumerable<ForwardSession> Sessions => _sessions.Values.Select(s => s.Forward);

    public EndPoint Start()
    {
        var local = _socket.Socket.LocalEndPoint!;
        _receiving = Task.Run(ReceiveLoopAsync);
        _idle = _ledger.StartIdleSweep(EndIdle);
        return local;
    }

    public async Task<int> StopAsync(TimeSpan drain)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return 0;
        // Nothing is "in flight" in UDP beyond the datagram being handed over: the sessions end at once.
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        if (_idle is not null) await _idle.DisposeAsync().ConfigureAwait(false);
        var open = _sessions.Values.ToArray();
        foreach (var s in open) End(s, "forwarder stopped");
        await Task.WhenAll(open.Select(s => s.Loop)).ConfigureAwait(false);
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = _socket.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SockException ex) when (ex.SocketError == SocketError.ConnectionReset)
            {
                continue; // an ICMP error for an earlier reply to a client that has gone: nothing to do for the others
            }
            catch (SockException)
            {
                if (_stopping.IsCancellationRequested) return;
                continue;
            }
            _listenerTraffic.Received(r.ReceivedBytes);
            var client = r.RemoteEndPoint;
            if (!_sessions.TryGetValue(client, out var session))
            {
                session = await OpenAsync(client).ConfigureAwait(false);
                if (session is null) continue;
            }
            try
            {
                if (_observer is { ObservesData: true })
                    _observer.Data(session.Forward, ForwardDirection.ToTarget, new System.Buffers.ReadOnlySequence<byte>(buffer, 0, r.ReceivedBytes));
                await session.Socket.SendAsync(buffer.AsMemory(0, r.ReceivedBytes)).ConfigureAwait(false);
                session.Forward.Relayed(ForwardDirection.ToTarget, r.ReceivedBytes);
                session.Touch();
            }
            catch (SockException ex)
            {
                // The target refused an earlier datagram (ICMP port unreachable) or cannot be reached: this one is lost,
                // as it would be talking to the target directly; the session stays for the next.
                _observer?.Dropped(client, ex.Reason);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task<Session?> OpenAsync(EndPoint client)
    {
        if (!_ledger.Admit(client, _sessions.Count)) return null;
        TracedSocket socket;
        try
        {
            socket = await Connector.ConnectAsync(new NetcatOptions
            {
                Host = _target.TargetHost,
                Port = _target.Port,
                Udp = true,
                Family = _target.Family,
                SourceAddress = _options.SourceAddress,
                ConnectTimeout = _options.ConnectTimeout,
            }, _options.Trace, SilentNetcatObserver.Instance, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SockException or OperationCanceledException)
        {
            _ledger.Refuse(client, ex is SockException s ? s.Message : "forwarder stopped");
            return null;
        }
        if (_options.ReceiveBufferSize is { } rcv) socket.Socket.ReceiveBufferSize = rcv;
        if (_options.SendBufferSize is { } snd) socket.Socket.SendBufferSize = snd;
        var id = Interlocked.Increment(ref _nextId);
        var traffic = new TrafficCounters();
        var local = EndpointText.Format(socket.Socket.LocalEndPoint);
        var remote = EndpointText.Format(socket.Socket.RemoteEndPoint);
        var family = socket.Socket.AddressFamily;
        var handle = socket.Handle;
        Session? made = null;
        var forward = new ForwardSession(id, EndpointText.Format(client), _target.ToString(),
            () => traffic.Record(id, handle, "forward", family, SocketType.Dgram, local, remote, made?.Ended == true ? "CLOSED" : "ESTAB", _options.UdpIdleTimeout));
        made = new Session(client, socket, forward, traffic);
        _sessions[client] = made;
        _observer?.Opened(forward);
        made.Loop = Task.Run(() => RepliesAsync(made));
        return made;
    }

    /// <summary>The target's replies on a session's own socket, each sent back to that session's client.</summary>
    private async Task RepliesAsync(Session session)
    {
        var buffer = new byte[MaxDatagram];
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await session.Socket.ReceiveAsync(buffer).ConfigureAwait(false);
                }
                catch (SockException ex) when (ex.SocketError == SocketError.ConnectionRefused)
                {
                    // ICMP port unreachable from the target: it is down now, and may be up for the next datagram.
                    _observer?.Dropped(session.Client, ex.Reason);
                    continue;
                }
                session.Traffic.Received(n);
                session.Touch();
                if (_observer is { ObservesData: true })
                    _observer.Data(session.Forward, ForwardDirection.ToClient, new System.Buffers.ReadOnlySequence<byte>(buffer, 0, n));
                try
                {
                    await _socket.SendToAsync(buffer.AsMemory(0, n), session.Client).ConfigureAwait(false);
                    _listenerTraffic.Sent(n);
                    session.Forward.Relayed(ForwardDirection.ToClient, n);
                }
                catch (SockException ex)
                {
                    _observer?.Dropped(session.Client, ex.Reason);
                }
            }
        }
        catch (Exception ex) when (ex is SockException or ObjectDisposedException or OperationCanceledException)
        {
            // The session's socket was closed (idle, stop) or failed for good.
            if (!session.Ended) End(session, ex is SockException s ? s.Reason : "closed");
        }
    }

    private void EndIdle(long limit)
    {
        foreach (var s in _sessions.Values)
            if (s.IdleMilliseconds >= limit)
                End(s, _ledger.IdleReason);
    }

    private void End(Session session, string reason)
    {
        lock (session)
        {
            if (session.Ended) return;
            session.Ended = true;
        }
        session.Forward.Close(reason);
        lock (_sessions)
        {
            _ledger.Closed(session.Forward);
            _sessions.TryRemove(session.Client, out _);
        }
        session.Socket.Dispose();
        _observer?.Closed(session.Forward);
    }

    private sealed class Session(EndPoint client, TracedSocket socket, ForwardSession forward, TrafficCounters traffic)
    {
        private long _lastTicks = Environment.TickCount64;

        public EndPoint Client { get; } = client;

        public TracedSocket Socket { get; } = socket;

        public ForwardSession Forward { get; } = forward;

        public TrafficCounters Traffic { get; } = traffic;

        public Task Loop { get; set; } = Task.CompletedTask;

        public bool Ended { get; set; }

        public long IdleMilliseconds => Environment.TickCount64 - Volatile.Read(ref _lastTicks);

        public void Touch() => Volatile.Write(ref _lastTicks, Environment.TickCount64);
    }
}
