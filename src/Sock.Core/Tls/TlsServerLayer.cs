using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;

namespace Sock.Core.Tls;

/// <summary>
/// The server side of TLS as a <see cref="ConnectionLayer"/>: an <see cref="SslStream"/> over the connection's pipes, and
/// new pipes over the session for the layers and handler after it, so any handler serves TLS unchanged. The certificate,
/// --ssl-verify (a client certificate that chains to the system's roots or to --ssl-trustfile) and ALPN are
/// <see cref="TlsServerOptions"/>', as <c>listen --ssl</c> takes them. A handshake that fails or takes longer than
/// <see cref="HandshakeTimeout"/> closes the connection and is reported (<see cref="IServerObserver.LayerRefused"/>) in
/// the words <c>listen --ssl</c> uses; a client whose certificate is refused is reset. When the handler returns, what it
/// wrote is sent, then close_notify.
/// </summary>
public sealed class TlsServerLayer : ConnectionLayer
{
    /// <summary>How long a handshake may take unless told: ncat's connect timeout, as <c>listen --ssl</c>'s.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly X509Certificate2 _certificate;
    private readonly TlsServerOptions _tls;
    private readonly X509ChainPolicy? _trust;

    /// <summary>
    /// A layer presenting <paramref name="certificate"/> (it stays the caller's to dispose, after the server has stopped),
    /// with <paramref name="options"/>' client verification and ALPN. A bad --ssl-trustfile is a usage error here, before
    /// anything listens.
    /// </summary>
    public TlsServerLayer(X509Certificate2 certificate, TlsServerOptions options)
    {
        _certificate = certificate;
        _tls = options;
        _trust = options.Verify && options.TrustFile is { } file ? TlsHandshake.TrustOnly(file) : null;
    }

    /// <summary>How long a client may take to finish the handshake (default <see cref="DefaultHandshakeTimeout"/>).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>
    /// Called once a client's session is established, with the connection and its session's description (protocol, cipher
    /// suite, ALPN, the client's certificate): what <c>-v</c> prints.
    /// </summary>
    public Action<Connection, string>? Established { get; init; }

    /// <inheritdoc/>
    public override string Name => "tls";

    /// <inheritdoc/>
    public override ConnectionHandler Wrap(ConnectionHandler next) => connection => RunAsync(connection, next);

    private async ValueTask RunAsync(Connection connection, ConnectionHandler next)
    {
        var socketSide = connection.Transport;
        var peer = Peer(connection);
        SslStream ssl;
        try
        {
            // Bounded by HandshakeTimeout; cancelled (not the peer's failure) only when the connection is closed under it.
            ssl = await TlsServer.AuthenticateAsync(new DuplexPipeStream(socketSide), connection.ResetOnClose, _certificate, _tls, peer,
                HandshakeTimeout, connection.Closed, _trust).ConfigureAwait(false);
        }
        catch (SockException failure)
        {
            throw new LayerRefusedException(Name, failure.Message, failure);
        }
        await using (ssl.ConfigureAwait(false))
        {
            Established?.Invoke(connection, TlsServer.Describe(ssl));
            var session = TlsSessionPipes.Start(connection, socketSide, ssl, peer);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                // What the handler wrote goes out, then close_notify; then the connection's own pipes are back for the
                // server to close.
                await session.StopAsync().ConfigureAwait(false);
            }
        }
    }

    private static string Peer(Connection connection) =>
        connection.RemoteEndPoint is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "a local client" : EndpointText.Format(connection.RemoteEndPoint);
}
