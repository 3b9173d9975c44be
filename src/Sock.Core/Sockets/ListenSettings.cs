namespace Sock.Core.Sockets;

/// <summary>How a server's socket is bound: see <see cref="SocketBinder.Open"/>.</summary>
/// <param name="DualMode">An IPv6 socket takes IPv4 too (IPV6_V6ONLY 0); otherwise an IPv6 socket is IPv6 only.</param>
/// <param name="ReusePort">SO_REUSEPORT: several sockets share the port and the kernel spreads the clients over them.
/// Only when a user asks for it; without it a second server on the port is refused ("address already in use").</param>
/// <param name="Backlog">listen()'s backlog, for stream sockets.</param>
internal readonly record struct ListenSettings(bool DualMode = false, bool ReusePort = false, int Backlog = SocketBinder.DefaultBacklog);
