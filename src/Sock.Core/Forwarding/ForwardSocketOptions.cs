using System.Net.Sockets;
using Sock.Core.Connections;

namespace Sock.Core.Forwarding;

/// <summary>The socket options of <see cref="ForwardOptions"/> (--keepalive, --nodelay, --rcvbuf, --sndbuf), set on one leg's socket.</summary>
internal static class ForwardSocketOptions
{
    /// <summary>
    /// Sets <paramref name="options"/>' socket options on <paramref name="connection"/>'s socket. <paramref name="noDelayNow"/>
    /// is TCP_NODELAY as the socket has it when the caller knows (it set it), which spares asking the kernel.
    /// </summary>
    public static void Apply(Connection connection, ForwardOptions options, bool? noDelayNow = null)
    {
        var socket = connection.Socket;
        var trace = connection.Trace;
        var fd = connection.Handle;
        try
        {
            if (socket.ProtocolType == ProtocolType.Tcp)
            {
                if ((noDelayNow ?? socket.NoDelay) != options.NoDelay)
                {
                    socket.NoDelay = options.NoDelay;
                    trace?.Call($"setsockopt({fd}, TCP_NODELAY, {(options.NoDelay ? 1 : 0)})");
                }
                if (options.KeepAlive)
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                    trace?.Call($"setsockopt({fd}, SO_KEEPALIVE, 1)");
                }
            }
            if (options.ReceiveBufferSize is { } rcv)
            {
                socket.ReceiveBufferSize = rcv;
                trace?.Call($"setsockopt({fd}, SO_RCVBUF, {rcv})");
            }
            if (options.SendBufferSize is { } snd)
            {
                socket.SendBufferSize = snd;
                trace?.Call($"setsockopt({fd}, SO_SNDBUF, {snd})");
            }
        }
        catch (SocketException) { } // the peer is already gone: the relay finds out with its first call
        catch (ObjectDisposedException) { }
    }
}
