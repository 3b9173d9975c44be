using System.Net.Security;
using System.Net.Sockets;
using Sock.Core.Sockets;

namespace Sock.Core.Socat;

/// <summary>
/// A connected socket as a socat end (TCP, UDP, Unix, abstract), or a TLS session over one (OPENSSL): the bytes cross
/// through the socket's traced calls. Over TLS, shutting down the write side sends close_notify, then the FIN.
/// </summary>
internal sealed class SocketEnd(TracedSocket socket, string name, SslStream? tls = null) : SocatEnd
{
    private int _shut;

    public TracedSocket Socket => socket;

    public override string Name => name;

    public override bool IsDatagram => socket.Socket.SocketType == SocketType.Dgram;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct) =>
        tls is null ? socket.ReceiveAsync(buffer, ct) : tls.ReadAsync(buffer, ct);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (tls is not null)
        {
            await tls.WriteAsync(data, ct).ConfigureAwait(false);
            return;
        }
        if (IsDatagram)
        {
            await socket.SendAsync(data, ct).ConfigureAwait(false);
            return;
        }
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, ct).ConfigureAwait(false);
            data = data[n..];
        }
    }

    public override async ValueTask ShutdownWriteAsync()
    {
        // A datagram has no end of stream to send: socat leaves a UDP socket as it is.
        if (IsDatagram || Interlocked.Exchange(ref _shut, 1) != 0) return;
        try
        {
            if (tls is not null) await tls.ShutdownAsync().ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or Errors.SockException) { }
    }

    public override async ValueTask DisposeAsync()
    {
        if (tls is not null)
        {
            try { await tls.DisposeAsync().ConfigureAwait(false); } catch (IOException) { }
        }
        socket.Dispose();
    }
}
