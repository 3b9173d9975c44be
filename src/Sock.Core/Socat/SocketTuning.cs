using System.Net.Sockets;
using Sock.Core.Sockets;

namespace Sock.Core.Socat;

/// <summary>socat's socket options that sock applies to a connected socket: keepalive, nodelay, rcvbuf=, sndbuf= (each traced as its setsockopt).</summary>
internal sealed record SocketTuning(bool KeepAlive = false, bool NoDelay = false, int? ReceiveBuffer = null, int? SendBuffer = null)
{
    /// <summary>Sets what was asked for on <paramref name="socket"/>.</summary>
    public void Apply(TracedSocket socket)
    {
        if (ReceiveBuffer is { } r) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, r);
        if (SendBuffer is { } s) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.SendBuffer, s);
        if (socket.Socket.SocketType != SocketType.Stream) return;
        if (KeepAlive) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, 1);
        if (NoDelay && socket.Socket.ProtocolType == ProtocolType.Tcp) socket.SetOption(SocketOptionLevel.Tcp, SocketOptionName.NoDelay, 1);
    }
}
