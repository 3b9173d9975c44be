using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;
using Sock.Core.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// A TCP connect to one address made on an <see cref="EpollReactor"/> (Linux): connect(2) is started non-blocking on the
/// caller's thread, and its completion — an output edge — is taken on the reactor's thread, where whoever awaits it goes on
/// at once. .NET's socket engine hands every completion from its own epoll thread to the thread pool instead; for a relay
/// that then registers the socket with the reactor anyway, those two hand-offs were most of a forwarded connection's
/// cost (docs/notes/issue-15-21-connrate.md). The socket stays in the reactor's set: the registration is handed to whoever
/// moves its bytes next (<see cref="EpollReactor.Registration.Retarget"/>). Names, several addresses, Unix sockets and
/// proxies take <c>Connector</c>'s path.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ReactorConnect : IEpollSocket
{
    private const int TimedOut = -1;
    private const int Cancelled = -2;

    // Connects started on this thread while it runs handlers (Defer) and not yet watched.
    [ThreadStatic] private static List<ReactorConnect>? t_deferred;
    [ThreadStatic] private static bool t_deferring;

    // Continuations run synchronously: on the reactor's thread for a completion, which is the point.
    private readonly TaskCompletionSource<int> _done = new();
    private readonly int _fd;
    private readonly EpollReactor _reactor;
    private readonly Lock _gate = new();
    private EpollReactor.Registration? _registration;
    private int _settled;

    private ReactorConnect(int fd, EpollReactor reactor)
    {
        _fd = fd;
        _reactor = reactor;
    }

    /// <summary>
    /// Until the returned scope ends, connects started on this thread are watched only then: once the handler that started
    /// them has waited and every caller up its chain has hooked on. A completion that came before that would find some
    /// caller not yet waiting, and .NET then hands its continuation to the thread pool (a hop this class exists to save);
    /// epoll reports the connect's edge whenever the socket joins the set, so nothing is lost by joining late.
    /// </summary>
    public static DeferScope Defer()
    {
        if (t_deferring) return default;
        t_deferring = true;
        return new DeferScope(true);
    }

    /// <summary>The end of a <see cref="Defer"/>: the connects started meanwhile are watched now.</summary>
    public readonly struct DeferScope(bool active) : IDisposable
    {
        public void Dispose()
        {
            if (!active) return;
            t_deferring = false;
            if (t_deferred is not { Count: > 0 } list) return;
            foreach (var wait in list) wait.Watch();
            list.Clear();
        }
    }

    /// <summary>Joins the reactor's set (the connect's edge comes at once if it is done already); a refusal is the connect's failure.</summary>
    private void Watch()
    {
        if (Volatile.Read(ref _settled) != 0) return; // given up meanwhile (cancelled): the caller closes the socket
        // The edge may come on the reactor's thread before Register returns: it waits for the registration to be known.
        lock (_gate)
        {
            _registration = _reactor.Register(_fd, this, output: true);
            if (_registration is null) Settle(Errno.ENOMEM);
        }
    }

    /// <summary>
    /// Connects <paramref name="socket"/> (a new TCP socket, bound or not) to <paramref name="remote"/> within
    /// <paramref name="timeout"/>; returns its registration on <paramref name="reactor"/>, whose events go nowhere until
    /// retargeted. Failures are <see cref="Errors.SockException"/>s worded as a connect through .NET's engine words them;
    /// <paramref name="cancellationToken"/> gives up (an <see cref="OperationCanceledException"/>). The caller closes the
    /// socket on any exception.
    /// </summary>
    public static async Task<EpollReactor.Registration> ConnectAsync(TracedSocket socket, IPEndPoint remote, EpollReactor reactor, TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fd = (int)socket.Socket.SafeHandle.DangerousGetHandle();
        // One ioctl rather than .NET's fcntl pair: nothing but the reactor (and the relay after it) moves this socket's bytes.
        if (SocketCalls.SetNonBlocking(fd) != 0) socket.Socket.Blocking = false;
        Span<byte> address = stackalloc byte[Sockaddr.MaxLength];
        var length = Sockaddr.Write(remote, address);
        var started = SocketCalls.Connect(fd, address[..length]);
        if (started != 0 && started != -Errno.EINPROGRESS)
            throw socket.ConnectFailedOutside(remote, Errno.ToSocketError(-started));
        var wait = new ReactorConnect(fd, reactor);
        int result;
        using (var timer = timeout is { } t ? new Timer(static s => ((ReactorConnect)s!).Settle(TimedOut), wait, t, Timeout.InfiniteTimeSpan) : null)
        using (cancellationToken.UnsafeRegister(static s => ((ReactorConnect)s!).Settle(Cancelled), wait))
        {
            // Watched for output edges even when connect(2) finished at once: the first edge comes as soon as it is in the set.
            if (t_deferring) (t_deferred ??= []).Add(wait);
            else wait.Watch();
            result = await wait._done.Task.ConfigureAwait(false);
        }
        var registration = wait._registration;
        if (result != 0 || registration is null)
        {
            registration?.Remove();
            if (result == 0) result = Errno.ENOMEM;
        }
        switch (result)
        {
            case 0:
                socket.ConnectedOutside(remote);
                return registration!;
            case TimedOut:
                throw socket.ConnectTimedOutOutside(remote, timeout!.Value);
            case Cancelled:
                throw new OperationCanceledException(cancellationToken);
            default:
                throw socket.ConnectFailedOutside(remote, Errno.ToSocketError(result));
        }
    }

    /// <summary>The connect's outcome: 0, an errno, <see cref="TimedOut"/> or <see cref="Cancelled"/>; the first to come wins.</summary>
    private void Settle(int result)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0) _done.TrySetResult(result);
    }

    void IEpollSocket.OnEvents(uint events)
    {
        if (Volatile.Read(ref _settled) != 0 || (events & (Epoll.Out | Epoll.Err | Epoll.Hup)) == 0) return;
        // SO_ERROR says how the connect ended: 0 connected, else why not. Taken once Watch has stored the registration.
        int error;
        lock (_gate) error = SocketCalls.PendingError(_fd);
        Settle(error);
    }
}
