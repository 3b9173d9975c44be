using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Serving;

namespace Sock.Core.Tls;

/// <summary>
/// The client side of TLS as a <see cref="ConnectionLayer"/>, what <see cref="SocketClient"/> stacks when
/// <see cref="SocketClientOptions.Tls"/> is set: the handshake (<see cref="TlsClient"/>'s: SNI, --ssl-verify, the trust
/// file, ALPN, a client certificate) over the connection's pipes, then the session's plaintext pipes in their place
/// (<see cref="TlsSessionPipes"/>, shared with <see cref="TlsServerLayer"/>). A handshake that fails or outlasts
/// <see cref="HandshakeTimeout"/> throws the <see cref="Errors.SockException"/> that says what and why
/// ("TLS handshake with 127.0.0.1:4433 failed: the certificate is not trusted (…)"), which the client's caller gets.
/// </summary>
internal sealed class TlsClientLayer(TlsClientOptions tls, string? host) : ConnectionLayer
{
    /// <summary>How long the handshake may take (default <see cref="TlsClient.DefaultHandshakeTimeout"/>, ncat's).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TlsClient.DefaultHandshakeTimeout;

    public override string Name => "tls";

    public override ConnectionHandler Wrap(ConnectionHandler next) => connection => RunAsync(connection, next);

    private async ValueTask RunAsync(Connection connection, ConnectionHandler next)
    {
        var socketSide = connection.Transport;
        var target = Target(connection);
        // Cancelled only when the connection is closed under the handshake (the caller gave up): not the peer's failure.
        var ssl = await TlsClient.AuthenticateAsync(new DuplexPipeStream(socketSide), tls, host, target, HandshakeTimeout, connection.Closed)
            .ConfigureAwait(false);
        await using (ssl.ConfigureAwait(false))
        {
            var session = TlsSessionPipes.Start(connection, socketSide, ssl, target);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                // What the caller wrote goes out, then close_notify and the FIN; then the connection's own pipes are back.
                await session.StopAsync().ConfigureAwait(false);
            }
        }
    }

    // A Unix socket is named by its path, as connect --ssl -U names it.
    private static string Target(Connection connection) =>
        connection.RemoteEndPoint is UnixDomainSocketEndPoint u ? u.ToString() : EndpointText.Format(connection.RemoteEndPoint);
}
