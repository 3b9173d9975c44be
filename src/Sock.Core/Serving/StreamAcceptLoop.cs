using System.Net.Sockets;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Connections;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Serving;

/// <summary>A listening stream socket (TCP or Unix) and its accept loop, which hands each connection to the server.</summary>
internal sealed class StreamAcceptLoop
{
    private readonly TracedSocket _socket;
    private readonly SocketServer _server;
    private readonly TrafficCounters _traffic = new(); // never counts: a listener moves no bytes, but has an opening time
    private readonly string _local;

    public StreamAcceptLoop(long id, string name, TracedSocket socket, ConnectionHandler handler, SocketServer server)
    {
        Id = id;
        Name = name;
        _socket = socket;
        Handler = handler;
        _server = server;
        Handle = socket.Handle;
        LocalEndPoint = socket.Socket.LocalEndPoint!;
        _local = EndpointText.Format(LocalEndPoint);
    }

    public long Id { get; }
    public long Handle { get; }
    public string Name { get; }
    public ConnectionHandler Handler { get; }
    /// <summary>The layers each connection passes through; their admission is asked at accept.</summary>
    public IReadOnlyList<ConnectionLayer> Layers { get; init; } = [];
    /// <summary>Serves one connection: the server closes this listener once it has admitted a peer.</summary>
    public bool AcceptsOne { get; init; }
    public EndPoint LocalEndPoint { get; }
    public Task Completion { get; private set; } = Task.CompletedTask;

    public SocketRecord Record =>
        _traffic.Record(Id, Handle, Name, _socket.Socket.AddressFamily, SocketType.Stream, _local, "*", "LISTEN");

    public void Start()
    {
        if (OperatingSystem.IsLinux() && _server.AcceptReactorFor(this) is { } reactor && ReactorAccept.TryStart(this, reactor) is { } onReactor)
        {
            _onReactor = onReactor;
            Completion = onReactor.Completion;
            return;
        }
        Completion = AcceptLoopAsync();
    }

    private object? _onReactor; // the ReactorAccept (Linux) when the reactor accepts for this listener

    /// <summary>Stops accepting: closes the listening socket (and removes a Unix socket's file).</summary>
    public bool IsClosed { get; private set; }

    public void Close(bool removeFile = true)
    {
        IsClosed = true;
        _socket.Dispose();
        if (OperatingSystem.IsLinux() && _onReactor is ReactorAccept onReactor) onReactor.Stop();
        if (removeFile && LocalEndPoint is UnixDomainSocketEndPoint u && u.ToString() is { Length: > 0 } path && path[0] != '\0')
        {
            Sockets.UnixSocketFile.DeleteIfSocket(path);
        }
    }

    /// <summary>
    /// Accepting on an epoll reactor's thread (Linux, a TCP listener whose handler runs inline): the listening socket is
    /// watched level-triggered, each report takes one connection (accept(2) on the non-blocking socket) and hands it to the
    /// server, whose inline handler starts its work right there — no hop from .NET's epoll thread to the thread pool per
    /// connection. A failure other than EAGAIN (EMFILE…) hands the listener back to the .NET loop, which pauses and retries.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private sealed class ReactorAccept : IEpollSocket
    {
        private readonly StreamAcceptLoop _loop;
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly nint _fd;
        private EpollReactor.Registration? _registration;
        private int _done;

        private ReactorAccept(StreamAcceptLoop loop)
        {
            _loop = loop;
            _fd = loop._socket.Socket.SafeHandle.DangerousGetHandle();
        }

        /// <summary>Done when the listener has closed (or, after a failure, when the .NET loop that took over has ended).</summary>
        public Task Completion => _stopped.Task;

        public static ReactorAccept? TryStart(StreamAcceptLoop loop, EpollReactor reactor)
        {
            if (loop.AcceptsOne || loop._socket.Socket.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return null;
            var accept = new ReactorAccept(loop);
            loop._socket.Socket.Blocking = false;
            accept._registration = reactor.Register(accept._fd, accept, edgeTriggered: false);
            if (accept._registration is not null) return accept;
            loop._socket.Socket.Blocking = true;
            return null;
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            // The descriptor is closed: epoll has dropped it; the slot goes too.
            _registration?.Remove();
            _stopped.TrySetResult();
        }

        void IEpollSocket.OnEvents(uint events)
        {
            if (Volatile.Read(ref _done) != 0) return;
            TracedSocket? accepted;
            try
            {
                accepted = _loop._socket.AcceptNow();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SockException ex)
            {
                if (_loop._server.IsStopping || _loop.IsClosed) return;
                // Reported again at once while the connection waits (level-triggered): the .NET loop pauses between tries.
                if (Interlocked.Exchange(ref _done, 1) != 0) return;
                _registration?.Unwatch(_fd);
                _loop._server.CountError(_loop.Name, ex);
                _loop._socket.Socket.Blocking = true;
                _loop.AcceptLoopAsync().ContinueWith(static (_, s) => ((TaskCompletionSource)s!).TrySetResult(), _stopped, TaskScheduler.Default);
                return;
            }
            if (accepted is null) return;
            try
            {
                _loop._server.Accepted(_loop, accepted);
            }
            catch (Exception ex) when (ex is SocketException or SockException or ObjectDisposedException)
            {
                accepted.Dispose();
                _loop._server.CountError(_loop.Name, ex);
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TracedSocket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SockException ex) when (ex.SocketError is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown)
            {
                return;
            }
            catch (SockException ex)
            {
                if (_server.IsStopping) return;
                // EMFILE and friends: count it, let the others finish, and try again rather than stop serving.
                _server.CountError(Name, ex);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            try
            {
                _server.Accepted(this, accepted);
            }
            catch (Exception ex) when (ex is SocketException or SockException or ObjectDisposedException)
            {
                // A peer that reset before its connection was set up (getpeername or setsockopt fails): that
                // connection is lost, the listener goes on.
                accepted.Dispose();
                _server.CountError(Name, ex);
            }
        }
    }
}
