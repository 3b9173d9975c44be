using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;
using Sock.Core.Sockets;

namespace Sock.Core.Proxies;

/// <summary>
/// The common SOCKS5 handshake — no authentication, CONNECT to an IPv4 or IPv6 address — driven by readiness on the
/// splice relay's reactor (Linux): the client's socket joins the reactor's edge-triggered set as soon as it is accepted,
/// the greeting and the request are read on the reactor's thread as they come, and whoever awaits <see cref="RunAsync"/>
/// goes on right there (the connect on the reactor, the reply, the relay), with no hop to the thread pool. Reading the
/// same handshake through a stream cost two such hops per session, most of a session's CPU beside microsocks'
/// (docs/notes/issue-21-reactor.md).
/// <para>
/// Each message is peeked (MSG_PEEK), and taken off the socket only once it is whole and this class will answer it. So a
/// partial message just waits for the next edge; whatever the client sent after its request stays in the socket for the
/// splice (counted there); and anything else — another protocol, a method other than no authentication, a domain
/// name, UDP ASSOCIATE, a malformed request — is left in the socket, untouched, for the stream path
/// (<see cref="Socks5ServerHandshake"/>), which answers it as before. Messages are at most 257 (greeting) and 262
/// (request) bytes, so the state per session is a stage and two flags.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class Socks5ReactorHandshake : IEpollSocket
{
    /// <summary>Where the handshake got to.</summary>
    public enum Outcome
    {
        /// <summary>Over: refused, timed out, or the client left (any reply is sent; the session's outcome says why).</summary>
        Ended,

        /// <summary>Nothing taken from the socket: the stream path reads the client from its first byte.</summary>
        FromStart,

        /// <summary>The greeting taken and answered (no authentication); the request is left for the stream path.</summary>
        Request,

        /// <summary>A CONNECT to an address (<see cref="Destination"/>), taken off the socket: connect and reply.</summary>
        Connect,
    }

    private const int NothingYet = -1, Greeting = 0, Requesting = 2;
    private const int GreetingMax = 2 + 255, RequestMax = 4 + 1 + 255 + 2;

    // Continuations run synchronously: on the reactor's thread when the last edge completes the handshake, which is the point.
    private readonly TaskCompletionSource<Outcome> _done = new();
    private readonly Lock _gate = new();
    private readonly Connection _client;
    private readonly nint _fd;
    private readonly ProxyServerOptions _options;
    private readonly ProxySessionState _session;
    private readonly TimeSpan _timeout;
    private Timer? _timer;
    private CancellationTokenRegistration _closedUnder;
    private int _stage = NothingYet;
    private bool _peerClosed;
    private bool _settled;

    private Socks5ReactorHandshake(Connection client, TracedSocket socket, ProxyServerOptions options, ProxySessionState session, TimeSpan timeout)
    {
        _client = client;
        _fd = socket.Socket.SafeHandle.DangerousGetHandle();
        _options = options;
        _session = session;
        _timeout = timeout;
    }

    /// <summary>The client's registration on the reactor: the relay takes it over (<see cref="Forwarding.SpliceLeg.Watch"/>).</summary>
    public EpollReactor.Registration? Registration { get; private set; }

    /// <summary>Where a <see cref="Outcome.Connect"/> asked to go.</summary>
    public ProxyRequest? Destination { get; private set; }

    /// <summary>
    /// Starts the handshake on <paramref name="socket"/> (watched on <paramref name="reactor"/> from now on) and returns
    /// where it got to. <paramref name="timeout"/> is the whole handshake's (--handshake-timeout), as the stream path's.
    /// </summary>
    public static Task<Outcome> RunAsync(Connection client, TracedSocket socket, EpollReactor reactor, ProxyServerOptions options,
        ProxySessionState session, TimeSpan timeout, out Socks5ReactorHandshake handshake)
    {
        handshake = new Socks5ReactorHandshake(client, socket, options, session, timeout);
        handshake.Start(reactor);
        return handshake._done.Task;
    }

    private void Start(EpollReactor reactor)
    {
        Outcome? outcome;
        lock (_gate)
        {
            // An edge can come on the reactor's thread before Register returns: it waits here for the registration.
            Registration = reactor.Register(_fd, this);
            if (Registration is null)
            {
                outcome = Settle(Outcome.FromStart);
            }
            else
            {
                // What came with the connection (the greeting often has) is read now: its edge may have come before the socket joined the set.
                outcome = Step();
                if (outcome is null)
                {
                    _timer = new Timer(static s => ((Socks5ReactorHandshake)s!).TimedOut(), this, _timeout, Timeout.InfiniteTimeSpan);
                    _closedUnder = _client.Closed.UnsafeRegister(static s => ((Socks5ReactorHandshake)s!).ClosedUnder(), this);
                }
            }
        }
        // On the accepting thread the handler is inside the server's ReactorConnect.Defer scope already.
        if (outcome is { } o) _done.TrySetResult(o);
    }

    void IEpollSocket.OnEvents(uint events)
    {
        Outcome? outcome;
        lock (_gate)
        {
            if (_settled) return; // the relay has it now (or the stream path): its own first pass reads what came
            if ((events & (Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0) _peerClosed = true;
            outcome = Step();
        }
        if (outcome is not { } o) return;
        // The session goes on from here; a connect it starts is watched once it waits (see ReactorConnect.Defer).
        using (ReactorConnect.Defer()) _done.TrySetResult(o);
    }

    /// <summary>Reads what has come and answers it, under the gate; null while a message is still partial.</summary>
    private Outcome? Step()
    {
        Span<byte> buffer = stackalloc byte[RequestMax];
        if (_stage is NothingYet or Greeting)
        {
            var n = SocketCalls.Receive(_fd, buffer[..GreetingMax], SocketCalls.MsgPeek | SocketCalls.MsgDontWait);
            if (n == -Errno.EAGAIN) return null;
            if (n < 0) return Failed(n);
            if (n == 0)
            {
                _session.Refuse(_stage == NothingYet ? "the client closed before saying anything" : "the client closed during the handshake");
                return Settle(Outcome.Ended);
            }
            _stage = Greeting;
            // Another protocol (SOCKS4, HTTP, an unknown first byte): the stream path tells them apart, as before.
            if (buffer[0] != Socks5ServerHandshake.Version || !_options.Socks5) return Settle(Outcome.FromStart);
            if (n < 2 || n < 2 + buffer[1]) return Partial();
            var length = 2 + buffer[1];
            // Only no authentication is answered here; a greeting without it gets the stream path's answer (0xFF, or username/password).
            if (!buffer[2..length].Contains(Socks5ServerHandshake.NoAuthentication)) return Settle(Outcome.FromStart);
            if (Take(buffer[..length]) is { } failed) return failed;
            _session.Protocol = "socks5";
            if (Answer([Socks5ServerHandshake.Version, Socks5ServerHandshake.NoAuthentication]) is { } unanswered) return unanswered;
            _stage = Requesting;
            // A request sent with the greeting is in the socket now; one still to come brings its own edge.
            if (n == length) return null;
        }
        var got = SocketCalls.Receive(_fd, buffer, SocketCalls.MsgPeek | SocketCalls.MsgDontWait);
        if (got == -Errno.EAGAIN) return null;
        if (got < 0) return Failed(got);
        if (got == 0)
        {
            _session.Refuse("the client closed during the handshake");
            return Settle(Outcome.Ended);
        }
        if (got < 4) return Partial();
        // CONNECT to an IPv4 or IPv6 address; anything else (a name, UDP ASSOCIATE, BIND, a malformed request) is the stream path's.
        if (buffer[0] != Socks5ServerHandshake.Version || buffer[1] != Socks5ServerHandshake.Connect || buffer[3] is not (1 or 4))
            return Settle(Outcome.Request);
        var need = buffer[3] == 1 ? 4 + 4 + 2 : 4 + 16 + 2;
        if (got < need) return Partial();
        var port = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(need - 2, 2));
        if (port == 0) return Settle(Outcome.Request);
        var address = new IPAddress(buffer[4..(need - 2)]);
        if (Take(buffer[..need]) is { } lost) return lost;
        _session.Command = "connect";
        Destination = new ProxyRequest(null, address, port);
        _session.Destination = Destination.ToString();
        return Settle(Outcome.Connect);
    }

    /// <summary>A message not whole yet: wait for the next edge, unless the client has ended its side (nothing more can come).</summary>
    private Outcome? Partial()
    {
        if (!_peerClosed) return null;
        _session.Refuse("the client closed during the handshake");
        return Settle(Outcome.Ended);
    }

    /// <summary>Takes a message already peeked off the socket (the same bytes: nothing else reads it), counted in the client's record.</summary>
    private Outcome? Take(Span<byte> message)
    {
        var n = SocketCalls.Receive(_fd, message, SocketCalls.MsgDontWait);
        if (n < 0) return Failed(n);
        _client.Traffic.Received(n);
        if (n == message.Length) return null;
        _session.Refuse("the client closed during the handshake");
        return Settle(Outcome.Ended);
    }

    /// <summary>Sends a handshake answer (a few bytes into an empty send buffer: whole, or the client is gone).</summary>
    private Outcome? Answer(ReadOnlySpan<byte> reply)
    {
        var n = SocketCalls.SendNow(_fd, reply);
        if (n < 0) return Failed(n);
        _client.Traffic.Sent(n);
        if (n == reply.Length) return null;
        _session.Outcome ??= "failed: the client's socket took only part of the reply";
        return Settle(Outcome.Ended);
    }

    private Outcome? Failed(int error)
    {
        var socketError = Errno.ToSocketError(-error);
        _client.Note(socketError);
        _session.Outcome ??= $"failed: {SocketErrorText.Describe(socketError)}";
        return Settle(Outcome.Ended);
    }

    private void TimedOut()
    {
        lock (_gate)
        {
            if (_settled) return;
            // As the stream path: no byte yet, no protocol to answer in (the close is the answer); else the stage's failure reply.
            if (_stage == NothingYet)
            {
                _session.Refuse($"nothing received within {Durations.Format(_options.HandshakeTimeout)}");
            }
            else
            {
                _session.Refuse($"handshake not finished within {Durations.Format(_options.HandshakeTimeout)}");
                byte[] reply = _stage == Greeting
                    ? [Socks5ServerHandshake.Version, Socks5ServerHandshake.NoAcceptableMethod]
                    : Socks5ServerHandshake.Reply(Socks5Reply.TtlExpired, null);
                Answer(reply);
            }
            Settle(Outcome.Ended);
        }
        _done.TrySetResult(Outcome.Ended);
    }

    private void ClosedUnder()
    {
        lock (_gate)
        {
            if (_settled) return;
            _session.Outcome ??= "closed under the session";
            Settle(Outcome.Ended);
        }
        _done.TrySetResult(Outcome.Ended);
    }

    /// <summary>
    /// The handshake is over here (under the gate): the timer and the close watch go, and unless the relay takes the socket
    /// over, it leaves the reactor's set — so the stream path's reads are not reported here as well.
    /// </summary>
    private Outcome Settle(Outcome outcome)
    {
        _settled = true;
        _timer?.Dispose();
        _closedUnder.Dispose();
        if (outcome is Outcome.FromStart or Outcome.Request) Registration?.Unwatch(_fd);
        else if (outcome is Outcome.Ended) Registration?.Remove();
        return outcome;
    }

    /// <summary>
    /// Sends the reply to the request: at once when the socket takes it whole (it is empty, so it does), else the rest
    /// through .NET's engine. Counted in the client's record.
    /// </summary>
    public static async ValueTask SendReplyAsync(Connection client, TracedSocket socket, byte[] reply)
    {
        var n = SocketCalls.SendNow(socket.Socket.SafeHandle.DangerousGetHandle(), reply);
        if (n == reply.Length)
        {
            client.Traffic.Sent(n);
            return;
        }
        if (n < 0 && n != -Errno.EAGAIN) throw new SocketException((int)Errno.ToSocketError(-n));
        var sent = Math.Max(n, 0);
        client.Traffic.Sent(sent);
        while (sent < reply.Length)
        {
            var more = await socket.Socket.SendAsync(reply.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
            client.Traffic.Sent(more);
            sent += more;
        }
    }
}
