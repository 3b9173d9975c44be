using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Netcat;

/// <summary>
/// A relay's channel through a TLS session over the socket: reads and writes are the session's (its failures in the
/// socket's words, or the session's own), the end of our side is close_notify then SHUT_WR, and a relay that ends
/// otherwise (--no-shutdown, -q, -i, a signal) still sends close_notify, so the peer can tell the end from a cut.
/// </summary>
internal sealed class TlsChannel(TracedSocket socket, SslStream tls, NetcatOptions options) : RelayChannel
{
    /// <summary>How long close_notify may take at the end: a peer that is gone or stuck is not waited for.</summary>
    private static readonly TimeSpan CloseNotifyGrace = TimeSpan.FromSeconds(1);

    private bool _closeNotified;
    private string? _target;

    /// <summary>The peer, as errors name it: formatted once, not on every read.</summary>
    private string Target => _target ??= options.UnixPath ?? EndpointText.Format(socket.Socket.RemoteEndPoint);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct) => TlsIo.ReadAsync(tls, buffer, Target, ct);

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => TlsIo.WriteAsync(tls, data, Target, ct);

    public override async ValueTask ShutdownSendAsync()
    {
        await CloseNotifyAsync().ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }

    public override async ValueTask FinishAsync()
    {
        if (_closeNotified) return;
        try { await CloseNotifyAsync().WaitAsync(CloseNotifyGrace).ConfigureAwait(false); }
        catch (TimeoutException) { }
    }

    // A TLS session the peer ended by closing the connection, without close_notify, after we sent data: that data may
    // never have been read (a server refusing our certificate ends the session so). Only a client can tell.
    public override SockException? EndOfStream(long bytesSent) =>
        !options.Listen && socket.ReceivedEndOfStream && bytesSent > 0
            ? new SockException(SockErrorKind.Network, "TLS session with", Target,
                $"the peer closed the connection without close_notify after {bytesSent} bytes were sent: they may not have been read (a server that refuses the client's certificate ends the session this way)")
            : null;

    /// <summary>TLS's own end of the write side (close_notify), once.</summary>
    private async Task CloseNotifyAsync()
    {
        if (_closeNotified) return;
        _closeNotified = true;
        try
        {
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SockException or ObjectDisposedException or InvalidOperationException
                                       or NotSupportedException or CryptographicException)
        {
            // The peer is gone already, or ended the session with an alert: the download says which.
        }
    }
}
