using System.Net.Security;
using System.Net.Sockets;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// The relay's pump: what a <see cref="Relay"/> reads from and writes to, chosen once when the relay is made. For a
/// stream socket, the socket itself or a TLS session over it (<see cref="TlsChannel"/>); for a connected datagram socket,
/// one datagram per receive and per send. Either way the bytes cross the wire through the socket's traced calls, so
/// --trace sees what really moves, and failures are <see cref="Errors.SockException"/>s.
/// </summary>
internal abstract class RelayChannel
{
    /// <summary>The largest datagram sent from the input (UDP's largest payload over IPv4).</summary>
    public const int MaxDatagram = 65507;

    /// <summary>The channel for <paramref name="socket"/>: through <paramref name="tls"/> when there is a session.</summary>
    public static RelayChannel For(TracedSocket socket, SslStream? tls, NetcatOptions options) =>
        socket.Socket.SocketType == SocketType.Dgram ? new DatagramChannel(socket)
        : tls is null ? new SocketChannel(socket) : new TlsChannel(socket, tls, options);

    /// <summary>True for a datagram socket: no end of stream, no half-close, each send one datagram.</summary>
    public virtual bool IsDatagram => false;

    /// <summary>How large a receive buffer the relay takes.</summary>
    public virtual int ReceiveSize(NetcatOptions options) => options.BufferSize;

    /// <summary>How much the relay reads from its input at once.</summary>
    public virtual int InputReadSize(NetcatOptions options) => options.BufferSize;

    /// <summary>Reads what the peer sent; 0 at its end of stream.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct);

    /// <summary>Sends from <paramref name="data"/>; returns how much went.</summary>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>Ends our side of the stream (SHUT_WR; over TLS close_notify first), the peer reading on.</summary>
    public abstract ValueTask ShutdownSendAsync();

    /// <summary>The relay is over: end anything the channel still owes the peer (TLS's close_notify), without waiting on a gone peer.</summary>
    public virtual ValueTask FinishAsync() => default;

    /// <summary>
    /// The peer's end of stream, after <paramref name="bytesSent"/> of ours: null when that is a proper end, or the error it
    /// stands for (a TLS session cut without close_notify).
    /// </summary>
    public virtual Errors.SockException? EndOfStream(long bytesSent) => null;

    /// <summary>The socket itself: recv and send, shutdown(SHUT_WR).</summary>
    private sealed class SocketChannel(TracedSocket socket) : RelayChannel
    {
        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct) => socket.ReceiveAsync(buffer, ct);

        public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => socket.SendAsync(data, ct);

        public override ValueTask ShutdownSendAsync()
        {
            socket.Shutdown(SocketShutdown.Send);
            return default;
        }
    }

    /// <summary>A connected datagram socket: each receive one datagram, each send one datagram of at most <see cref="MaxDatagram"/> bytes.</summary>
    private sealed class DatagramChannel(TracedSocket socket) : RelayChannel
    {
        public override bool IsDatagram => true;

        public override int ReceiveSize(NetcatOptions options) => MaxDatagram + 1;

        public override int InputReadSize(NetcatOptions options) => MaxDatagram;

        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct) => socket.ReceiveAsync(buffer, ct);

        public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            var chunk = data[..Math.Min(MaxDatagram, data.Length)];
            await socket.SendAsync(chunk, ct).ConfigureAwait(false);
            return chunk.Length;
        }

        public override ValueTask ShutdownSendAsync() => default;
    }
}
