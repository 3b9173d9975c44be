using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Connections;
using Sock.Core.Platform.Linux;
using Sock.Core.Serving;
using Sock.Core.Tracing;

namespace Sock.Core.Forwarding;

/// <summary>
/// The relay's fast path on Linux, for a pair of plain kernel sockets (TCP or Unix stream, no TLS, nothing that must see
/// the bytes): each direction is spliced socket → pipe → socket (splice(2), SPLICE_F_MOVE|SPLICE_F_NONBLOCK), so the
/// bytes never come up to user space — what haproxy does. Readiness comes from edge-triggered epoll on the reactor's
/// threads (<see cref="EpollReactor"/>), and the splicing runs right there: no task, no buffer and no thread-pool hop per
/// connection or per chunk. The rules are the copying relay's (<see cref="ForwardRelay"/>): an end of stream passed on as
/// shutdown(SHUT_WR) while the other way goes on, a reset as a reset (ending both), a write that finds the other side
/// gone resets the sender; counts per direction taken after each splice out; the connections' counters (their records,
/// the idle timeout) kept as the transports keep them. A direction holds a pipe only while bytes are in it
/// (<see cref="SplicePipe"/>).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SpliceRelay
{
    /// <summary>
    /// The most one copy moves (recv then send, see <see cref="Copy"/>); a read that fills it marks the way as bulk,
    /// which is spliced from then on until an edge brings less.
    /// </summary>
    internal const int CopySize = 16 * 1024;

    private static readonly Lock ReactorGate = new();

    /// <summary>
    /// How long the relay's threads poll after an edge before they sleep: none. A relayed message's answer comes only
    /// after two other processes have run (the peer, and whoever it answers), and a polling relay thread takes a CPU from
    /// them: with the ping-pong's client and target polling too (.NET's thread pool, sock's servers) on 2 cores, a 100 µs
    /// spin put the median round trip through the forwarder at 200–345 µs against 155–165 µs without (bench/RESULTS.md,
    /// issue 15 latency). haproxy does not poll either (busy-polling is off by default).
    /// </summary>
    internal static readonly TimeSpan Spin = TimeSpan.Zero;

    // A copy's bytes live only within the call (what the receiver does not take goes into the way's pipe), so one buffer
    // per thread that pumps serves every pair it drives.
    [ThreadStatic]
    private static byte[]? _copyBuffer;
    private static EpollReactor? _reactor;

    private readonly ForwardSession _session;
    private readonly Side _client;
    private readonly Side _target;
    private readonly Way _up;
    private readonly Way _down;
    private readonly SocketTrace? _trace;
    private readonly Lock _gate = new();
    // Continuations run synchronously: a pair that ends on the reactor's thread is closed and logged right there, after
    // the gate is let go (Complete), rather than handed to the thread pool; an end from any other thread is handed there.
    private readonly TaskCompletionSource _done = new();
    private volatile bool _finished;

    /// <summary>True where the relay can splice: Linux with sock's epoll binding (x86-64, arm64).</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => EpollReactor.Supported;

    private SpliceRelay(ForwardSession session, SpliceLeg client, SpliceLeg target)
    {
        _session = session;
        _trace = client.Socket.Trace ?? target.Socket.Trace;
        _client = new Side(this, client, "client");
        _target = new Side(this, target, "target");
        _up = new Way(_client, _target, ForwardDirection.ToTarget);
        _down = new Way(_target, _client, ForwardDirection.ToClient);
    }

    /// <summary>The threads every spliced pair in the process is driven from (and the connects made for them), made on first use.</summary>
    internal static EpollReactor Reactor
    {
        get
        {
            if (Volatile.Read(ref _reactor) is { } made) return made;
            lock (ReactorGate) return _reactor ??= new EpollReactor(ServerOptions.DefaultIoThreads, Spin);
        }
    }

    /// <summary>Relays <paramref name="session"/>'s two spliced legs until both ways are done (or one was reset or closed under it).</summary>
    public static async Task RunAsync(ForwardSession session, SpliceLeg client, SpliceLeg target)
    {
        var relay = new SpliceRelay(session, client, target);
        await relay.RunAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        // A leg closed under the relay (idle timeout, the drain's deadline, the forwarder ending the other side): done.
        using var clientClosed = _client.Leg.Connection.Closed.Register(static s => ((SpliceRelay)s!).ClosedUnder(client: true), this);
        using var targetClosed = _target.Leg.Connection.Closed.Register(static s => ((SpliceRelay)s!).ClosedUnder(client: false), this);
        try
        {
            lock (_gate)
            {
                if (!_finished)
                {
                    if (!_client.Attach() || !_target.Attach())
                    {
                        _session.SetReason("the relay could not watch the sockets (epoll refused them)");
                        Abort(_client, "relay failed", reset: false);
                        Abort(_target, "relay failed", reset: false);
                    }
                    else
                    {
                        // Bytes may have come before the sockets were watched: go once round both ways now.
                        try
                        {
                            Pump(_up);
                            if (!_finished) Pump(_down);
                        }
                        catch (Exception ex)
                        {
                            Failed($"relay failed: {ex.Message}");
                        }
                    }
                }
            }
            if (_finished) _done.TrySetResult();
            await _done.Task.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
                _client.Detach();
                _target.Detach();
                _up.Release();
                _down.Release();
            }
        }
    }

    private void ClosedUnder(bool client)
    {
        // The client's connection closed under the relay (idle timeout, the drain's deadline): the session says why, as the
        // forwarder's own callback on the same token does — which may run after the end below has been completed and the
        // session closed on another thread.
        if (client) _session.SetReason(_client.Leg.Connection.CloseReason ?? "client closed");
        _finished = true;
        // Under the gate (the relay aborting a leg itself), the end is completed once the gate is let go; from another
        // thread (an idle timeout, the drain), on the thread pool as before, never inline in the closer's call.
        if (_gate.IsHeldByCurrentThread) return;
        ThreadPool.UnsafeQueueUserWorkItem(static done => done.TrySetResult(), _done, preferLocal: false);
    }

    /// <summary>Ends the pair (under the gate); whoever holds the gate completes it once it is let go.</summary>
    private void Finish() => _finished = true;

    /// <summary>An edge on one side's socket: input lets its way out go on, output room its way in.</summary>
    private void OnEvents(Side side, uint events)
    {
        lock (_gate)
        {
            if (_finished) return;
            try
            {
                OnEventsUnderGate(side, events);
            }
            catch (Exception ex)
            {
                // Never out of the reactor's thread (it serves every other pair): this pair ends, with the reason.
                Failed($"relay failed: {ex.Message}");
            }
        }
        // Ended: the pair is closed and logged from here, on this thread (the relay's continuation runs inline).
        if (_finished) _done.TrySetResult();
    }

    private void OnEventsUnderGate(Side side, uint events)
    {
        var from = side == _client ? _up : _down;
        var to = side == _client ? _down : _up;
        if ((events & (Epoll.In | Epoll.RdHup | Epoll.Err | Epoll.Hup)) != 0)
        {
            from.ReadBlocked = false;
            from.PipeFull = false;
        }
        if ((events & (Epoll.RdHup | Epoll.Err | Epoll.Hup)) != 0) from.EndSeen = true;
        if ((events & (Epoll.Out | Epoll.Err | Epoll.Hup)) != 0) to.WriteBlocked = false;
        Pump(from);
        if (!_finished) Pump(to);
    }

    /// <summary>
    /// Moves what one way can move now: out of the pipe into the receiving socket, and from the sending socket into the
    /// pipe, until each has said EAGAIN (edge-triggered: the next edge says when to try again), the pipe is full and the
    /// receiver will take no more, or the way has ended. Called under the gate.
    /// </summary>
    private void Pump(Way way)
    {
        if (way.Done) return;
        bool progress;
        long read = 0;
        do
        {
            progress = false;
            var pipe = way.Pipe;
            if (pipe is { Held: > 0 } && !way.WriteBlocked)
            {
                var n = Move(way.To, pipe.ReadEnd, way.To.Fd, pipe.Held, writing: true);
                if (n > 0)
                {
                    pipe.Held -= n;
                    way.PipeFull = false;
                    way.To.Leg.Connection.Traffic.Sent((int)n);
                    _session.Relayed(way.Direction, n);
                    progress = true;
                }
                else if (n == -Errno.EAGAIN)
                {
                    way.WriteBlocked = true;
                    way.To.WatchOutput(true);
                }
                else
                {
                    WriteFailed(way, (int)-n);
                    return;
                }
            }
            if (!way.FromEnded && !way.ReadBlocked && !way.PipeFull)
            {
                // Nothing held and no bulk coming: copy (recv, send) rather than splice — two calls a message instead of
                // three (in, out, and the EAGAIN that proves the socket empty), and no pipe taken.
                var copying = !way.Bulk && pipe is not { Held: > 0 };
                long n;
                if (copying)
                {
                    n = Copy(way, out var stop);
                    if (stop) return;
                    pipe = way.Pipe;
                }
                else
                {
                    if (pipe is null)
                    {
                        pipe = way.Pipe = SplicePipe.Rent(_trace, out var error);
                        if (pipe is null)
                        {
                            Failed($"no pipe for the relay: {Errors.SocketErrorText.Describe(Errno.ToSocketError(-error))}");
                            return;
                        }
                    }
                    var room = pipe.Capacity - pipe.Held;
                    n = room <= 0 ? -Errno.EAGAIN : Move(way.From, way.From.Fd, pipe.WriteEnd, room, writing: false);
                    if (n > 0)
                    {
                        pipe.Held += n;
                        way.From.Leg.Connection.Traffic.Received((int)n);
                    }
                }
                if (n > 0)
                {
                    read += n;
                    progress = true;
                }
                else if (n == 0)
                {
                    way.FromEnded = true;
                    progress = true;
                }
                else if (n == -Errno.EAGAIN)
                {
                    // With the pipe empty, the socket is: wait for its next edge. With bytes in the pipe it may be the pipe
                    // that is full (each skb fragment takes a slot): read again once some have gone out.
                    if (pipe is not { Held: > 0 })
                    {
                        way.ReadBlocked = true;
                        way.Armed = true;
                    }
                    else way.PipeFull = true;
                }
                else if (n == -Errno.ECONNRESET)
                {
                    way.From.Leg.Connection.Note(SocketError.ConnectionReset);
                    _session.SetReason($"reset by {way.From.Name}");
                    Abort(way.To, $"reset by {way.From.Name}", reset: true);
                    Finish();
                    return;
                }
                else if (n == -Errno.EBADF)
                {
                    // Closed under the relay (the forwarder or the server did it): they end the pair.
                    Finish();
                    return;
                }
                else
                {
                    // Another error ends this way's input as the copying relay's receive loop does: noted, then passed on as an end.
                    way.From.Leg.Connection.Note(Errno.ToSocketError((int)-n));
                    way.FromEnded = true;
                    progress = true;
                }
            }
            if (way.FromEnded && (way.Pipe is null || way.Pipe.Held == 0))
            {
                // The pipe goes back at once: when many pairs end together, each holds one only for its last splice.
                if (way.Pipe is { } empty)
                {
                    way.Pipe = null;
                    SplicePipe.Return(empty);
                }
                PassEnd(way);
                return;
            }
        }
        while (progress && !_finished);
        // An edge that brought less than a copy's worth ends the bulk: the next bytes are copied again.
        if (read is > 0 and < CopySize) way.Bulk = false;
        // Nothing in flight: the pipe goes back, so an idle pair holds none.
        if (way.Pipe is { Held: 0 } idle)
        {
            way.Pipe = null;
            SplicePipe.Return(idle);
            if (way.To.WatchingOutput) way.To.WatchOutput(false);
        }
    }

    /// <summary>
    /// One copy: recv into the thread's buffer and send it on at once. What the receiver does not take waits in the way's
    /// pipe (written there, then spliced out as held bytes are), so no buffer outlives the call and a slow receiver holds
    /// what a spliced way would: the pipe. Returns what recv returned (bytes, 0 at the end of stream, minus errno);
    /// <paramref name="stop"/> when the pair ended here.
    /// </summary>
    private long Copy(Way way, out bool stop)
    {
        stop = false;
        var buffer = _copyBuffer ??= new byte[CopySize];
        var n = Io(way.From, buffer, CopySize, receive: true);
        if (n <= 0) return n;
        way.From.Leg.Connection.Traffic.Received((int)n);
        var sent = way.WriteBlocked ? -Errno.EAGAIN : Io(way.To, buffer, (int)n, receive: false);
        if (sent < 0 && sent != -Errno.EAGAIN)
        {
            WriteFailed(way, (int)-sent);
            stop = true;
            return n;
        }
        var moved = Math.Max(sent, 0);
        if (moved > 0)
        {
            way.To.Leg.Connection.Traffic.Sent((int)moved);
            _session.Relayed(way.Direction, moved);
        }
        if (moved < n)
        {
            // The receiver is full: the rest waits in a pipe and goes out on its output edge, as spliced bytes do.
            var error = 0;
            var pipe = way.Pipe ??= SplicePipe.Rent(_trace, out error);
            if (pipe is null)
            {
                Failed($"no pipe for the relay: {Errors.SocketErrorText.Describe(Errno.ToSocketError(-error))}");
                stop = true;
                return n;
            }
            var rest = (int)(n - moved);
            var filled = Splice.Fill(pipe.WriteEnd, buffer.AsSpan((int)moved, rest));
            _trace?.Call($"write({pipe.WriteEnd}, {rest}) = {filled}");
            if (filled != rest)
            {
                // An empty pipe of 64 KiB or more always takes 16 KiB: this is not expected, and the bytes cannot be kept.
                Failed("relay failed: the pipe did not take the bytes the receiver left");
                stop = true;
                return n;
            }
            pipe.Held = rest;
            way.WriteBlocked = true;
            way.To.WatchOutput(true);
        }
        // A read that filled the buffer: more is likely queued — splice it. A shorter one took all the socket held (recv on
        // a TCP or Unix stream socket takes everything queued, up to the size asked), and edge-triggered epoll reports the
        // next bytes as a new edge: no EAGAIN probe, as haproxy does — unless an edge said the peer's end came (read on to
        // the 0), or the relay has not yet found this socket empty (an edge before it took the socket, its connect's or its
        // handshake's, went to whoever had it then).
        if (n == CopySize) way.Bulk = true;
        else if (way.Armed && !way.EndSeen) way.ReadBlocked = true;
        return n;
    }

    /// <summary>recv or send (MSG_DONTWAIT) with the socket's handle held, as <see cref="Move"/>.</summary>
    private long Io(Side socket, byte[] buffer, int length, bool receive)
    {
        var handle = socket.Leg.Connection.Socket.SafeHandle;
        var added = false;
        long n;
        try
        {
            handle.DangerousAddRef(ref added);
            n = receive
                ? SocketCalls.Receive(socket.Fd, buffer.AsSpan(0, length), SocketCalls.MsgDontWait)
                : SocketCalls.SendNow(socket.Fd, buffer.AsSpan(0, length));
        }
        catch (ObjectDisposedException)
        {
            n = -Errno.EBADF;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        if (_trace is not null && n != -Errno.EAGAIN) TraceCopy(socket, length, n, receive);
        return n;
    }

    private void TraceCopy(Side socket, int length, long n, bool receive)
    {
        var handle = socket.Leg.Connection.Handle;
        var call = receive ? "recv" : "send";
        var flags = receive ? "MSG_DONTWAIT" : "MSG_DONTWAIT|MSG_NOSIGNAL";
        string Line() => n >= 0
            ? $"{call}({socket.Fd}, {length}, {flags}) = {n}{(n == 0 && receive ? " (peer closed its side)" : "")}"
            : $"{call}({socket.Fd}, {length}, {flags}) = -1 {BsdNames.Errno(Errno.ToSocketError((int)-n))}";
        if (n > 0) _trace!.Transfer(handle, call, n, Line);
        else _trace!.Call(Line());
    }

    /// <summary>One splice call with the socket's handle held, so a close from another thread cannot free the descriptor under it.</summary>
    private long Move(Side socket, int from, int to, long length, bool writing)
    {
        var handle = socket.Leg.Connection.Socket.SafeHandle;
        var added = false;
        long n;
        try
        {
            handle.DangerousAddRef(ref added);
            n = Splice.Move(from, to, length, Splice.MovePages | Splice.NonBlock);
        }
        catch (ObjectDisposedException)
        {
            n = -Errno.EBADF;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        if (_trace is not null && n != -Errno.EAGAIN) TraceMove(socket, from, to, length, n, writing);
        return n;
    }

    private void TraceMove(Side socket, int from, int to, long length, long n, bool writing)
    {
        var handle = socket.Leg.Connection.Handle;
        string Line() => n >= 0
            ? $"splice({from}, NULL, {to}, NULL, {length}, SPLICE_F_MOVE|SPLICE_F_NONBLOCK) = {n}{(n == 0 && !writing ? " (peer closed its side)" : "")}"
            : $"splice({from}, NULL, {to}, NULL, {length}, SPLICE_F_MOVE|SPLICE_F_NONBLOCK) = -1 {BsdNames.Errno(Errno.ToSocketError((int)-n))}";
        if (n > 0) _trace!.Transfer(handle, writing ? "splice-out" : "splice-in", n, Line);
        else _trace!.Call(Line());
    }

    /// <summary>The sending side ended in order and everything it sent has gone out: the FIN goes on (SHUT_WR); the other way goes on.</summary>
    private void PassEnd(Way way)
    {
        way.Done = true;
        _session.SetReason($"closed by {way.From.Name}");
        way.From.Leg.Connection.SetReason("closed by peer");
        try
        {
            way.To.Leg.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (ObjectDisposedException)
        {
            // Closed under the relay meanwhile (the other leg's close aborted it): whoever closed it ends the pair.
            Finish();
            return;
        }
        if (_up.Done && _down.Done) Finish();
    }

    /// <summary>
    /// A splice into the receiving socket failed: it is gone (reset, or closed). The sender gets a reset, as a TCP peer
    /// that had closed would answer its further data, and the pair ends.
    /// </summary>
    private void WriteFailed(Way way, int errno)
    {
        if (errno == Errno.EBADF)
        {
            Finish();
            return;
        }
        var error = Errno.ToSocketError(errno);
        way.To.Leg.Connection.Note(error);
        var reason = errno == Errno.ECONNRESET ? $"reset by {way.To.Name}" : $"{way.To.Name} gone";
        _session.SetReason(reason);
        Abort(way.From, $"{way.To.Name} gone", reset: true);
        Abort(way.To, reason, reset: false);
        Finish();
    }

    private void Failed(string reason)
    {
        _session.SetReason(reason);
        Abort(_client, reason, reset: false);
        Abort(_target, reason, reset: false);
        Finish();
    }

    private static void Abort(Side side, string reason, bool reset) => side.Leg.Abort(reason, reset);

    /// <summary>One leg's socket as the reactor sees it.</summary>
    private sealed class Side(SpliceRelay relay, SpliceLeg leg, string name) : IEpollSocket
    {
        private EpollReactor.Registration? _registration;

        public SpliceLeg Leg { get; } = leg;

        public string Name { get; } = name;

        public int Fd { get; private set; } = -1;

        public bool WatchingOutput { get; private set; }

        /// <summary>Non-blocking, and watched for edges; false when epoll refuses the socket.</summary>
        public bool Attach()
        {
            var socket = Leg.Connection.Socket;
            try
            {
                Fd = (int)socket.SafeHandle.DangerousGetHandle();
                // Non-blocking for splice(2) (SPLICE_F_NONBLOCK covers only the pipe). A socket connected on the reactor is
                // already, and so is one .NET made non-blocking (a reactor accept's: .NET's fcntl pair at accept); any other
                // with one ioctl, not .NET's fcntl pair: the relay alone moves its bytes from here on.
                if (!(Leg.Watch is not null && Leg.WatchesOutput) && socket.Blocking && SocketCalls.SetNonBlocking(Fd) != 0) socket.Blocking = false;
                if (Leg.Watch is { } watched)
                {
                    // Connected on the reactor (watched for output too: the connect's edge), or handshaken there (input
                    // only): it is in the set already.
                    watched.Retarget(this);
                    _registration = watched;
                    WatchingOutput = Leg.WatchesOutput;
                }
                else
                {
                    _registration = Reactor.Register(Fd, this);
                }
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            return _registration is not null;
        }

        public void Detach()
        {
            _registration?.Remove();
            _registration = null;
        }

        /// <summary>Asks for output edges while a splice out waits for room, and stops asking once the pipe is empty.</summary>
        public void WatchOutput(bool on)
        {
            if (_registration is null || WatchingOutput == on) return;
            WatchingOutput = on;
            if (on) _registration.WatchOutput(Fd);
            else _registration.WatchInputOnly(Fd);
        }

        void IEpollSocket.OnEvents(uint events) => relay.OnEvents(this, events);
    }

    /// <summary>One direction: where it reads, where it writes, the pipe between while bytes are in flight.</summary>
    private sealed class Way(Side from, Side to, ForwardDirection direction)
    {
        public Side From { get; } = from;

        public Side To { get; } = to;

        public ForwardDirection Direction { get; } = direction;

        public SplicePipe? Pipe { get; set; }

        public bool ReadBlocked { get; set; }

        public bool WriteBlocked { get; set; }

        public bool PipeFull { get; set; }

        public bool FromEnded { get; set; }

        /// <summary>The reading side reported its end (RDHUP, HUP or an error): a short read no longer proves it empty.</summary>
        public bool EndSeen { get; set; }

        /// <summary>
        /// The reading socket has been found empty (EAGAIN) since the relay took it: every byte or end that comes after is
        /// an edge the relay is told of, so a short read can be trusted to have emptied it.
        /// </summary>
        public bool Armed { get; set; }

        /// <summary>The last edge brought at least a copy's worth: read by splice until an edge brings less.</summary>
        public bool Bulk { get; set; }

        public bool Done { get; set; }

        public void Release()
        {
            if (Pipe is { } pipe) SplicePipe.Return(pipe);
            Pipe = null;
        }
    }
}
