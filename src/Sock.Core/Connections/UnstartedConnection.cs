using Sock.Core.Sockets;

namespace Sock.Core.Connections;

/// <summary>
/// A client connection with nothing started on it (<see cref="SocketClient.ConnectUnstartedAsync"/>): its record and
/// counters, its socket, and — when the connect was made on an epoll reactor — the socket's registration there, for the
/// relay to take over rather than register it again (null otherwise).
/// </summary>
internal sealed record UnstartedConnection(Connection Connection, TracedSocket Socket, EpollReactor.Registration? Watch);
