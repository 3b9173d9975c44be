using System.Net.Sockets;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Connections;

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

    public void Start() => Completion = AcceptLoopAsync();

    /// <summary>Stops accepting: closes the listening socket (and removes a Unix socket's file).</summary>
    public bool IsClosed { get; private set; }

    public void Close(bool removeFile = true)
    {
        IsClosed = true;
        _socket.Dispose();
        if (removeFile && LocalEndPoint is UnixDomainSocketEndPoint u && u.ToString() is { Length: > 0 } path && path[0] != '\0')
        {
            Sockets.UnixSocketFile.DeleteIfSocket(path);
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
