using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
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

    // A TLS record holds at most 16 KiB: what is written is cut into records of that size rather than one per pipe segment.
    private const int RecordSize = 16 * 1024;
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
        var ssl = new SslStream(new DuplexPipeStream(socketSide), leaveInnerStreamOpen: true);
        try
        {
            await HandshakeAsync(connection, ssl).ConfigureAwait(false);
            Established?.Invoke(connection, TlsServer.Describe(ssl));
            var input = new Pipe(new PipeOptions(useSynchronizationContext: false));
            var output = new Pipe(new PipeOptions(useSynchronizationContext: false));
            var inbound = InboundAsync(connection, ssl, input.Writer);
            var outbound = OutboundAsync(connection, ssl, output.Reader);
            connection.Transport = new DuplexPipe(input.Reader, output.Writer);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                // What the handler wrote goes out, then close_notify; then the session stops reading, even from a peer
                // that sends nothing more, and the connection's own pipes are back for the server to close.
                await output.Writer.CompleteAsync().ConfigureAwait(false);
                await outbound.ConfigureAwait(false);
                await input.Reader.CompleteAsync().ConfigureAwait(false);
                socketSide.Input.CancelPendingRead();
                await inbound.ConfigureAwait(false);
                connection.Transport = socketSide;
            }
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandshakeAsync(Connection connection, SslStream ssl)
    {
        var peer = Peer(connection);
        string? why = null;
        var authentication = new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = _tls.Verify,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (!_tls.Verify) return true;
                if (cert is null) why = "the client sent no certificate (--ssl-verify requires one)";
                else if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    why = $"the client's certificate is not trusted ({TlsHandshake.ChainProblem(chain)})";
                // As listen --ssl: .NET 10 checks the certificate after the handshake is over for a TLS 1.3 client, which
                // may have sent its data already; a reset tells it that was refused, where a close would read as an answer.
                if (why is not null) connection.ResetOnClose();
                return why is null;
            },
        };
        if (_tls.Alpn.Count > 0) authentication.ApplicationProtocols = [.. _tls.Alpn.Select(p => new SslApplicationProtocol(p))];
        if (_trust is not null) authentication.CertificateChainPolicy = _trust;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed);
        limit.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(authentication, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (connection.Closed.IsCancellationRequested)
        {
            throw; // closed under the handshake (server stopped, connection aborted): not the peer's failure
        }
        catch (OperationCanceledException ex)
        {
            throw Refused(SockException.TimedOut("TLS handshake with", peer, HandshakeTimeout), ex);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or CryptographicException)
        {
            throw Refused(new SockException(SockErrorKind.Network, "TLS handshake with", peer, why ?? TlsHandshake.HandshakeFailure(ex), inner: ex), ex);
        }
    }

    private static LayerRefusedException Refused(SockException failure, Exception cause) => new("tls", failure.Message, cause);

    private static async Task InboundAsync(Connection connection, SslStream ssl, PipeWriter writer)
    {
        var peer = Peer(connection);
        try
        {
            while (true)
            {
                // An idle session waits without a buffer of the pipe's (SslStream supports the zero-byte read).
                await ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                var memory = writer.GetMemory(RecordSize);
                var n = await TlsIo.ReadAsync(ssl, memory, peer, CancellationToken.None).ConfigureAwait(false);
                if (n == 0) break; // close_notify, or the peer closed without one
                writer.Advance(n);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SockException ex)
        {
            // A bad record or an alert, in the words listen --ssl uses; a socket error underneath has been recorded by now.
            connection.SetCloseReason(ex.Reason);
        }
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task OutboundAsync(Connection connection, SslStream ssl, PipeReader reader)
    {
        var peer = Peer(connection);
        byte[]? staging = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    if (buffer.First.Length >= RecordSize || buffer.IsSingleSegment)
                    {
                        var chunk = buffer.First.Length > RecordSize ? buffer.First[..RecordSize] : buffer.First;
                        await TlsIo.WriteAsync(ssl, chunk, peer, CancellationToken.None).ConfigureAwait(false);
                        buffer = buffer.Slice(chunk.Length);
                        continue;
                    }
                    // Small segments in a row: gathered into one record.
                    staging ??= ArrayPool<byte>.Shared.Rent(RecordSize);
                    var n = (int)Math.Min(buffer.Length, RecordSize);
                    buffer.Slice(0, n).CopyTo(staging);
                    await TlsIo.WriteAsync(ssl, staging.AsMemory(0, n), peer, CancellationToken.None).ConfigureAwait(false);
                    buffer = buffer.Slice(n);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
            await ssl.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SockException or IOException or OperationCanceledException)
        {
            // The peer is gone (its reason recorded by the socket side): the handler's next flush sees IsCompleted once
            // the reader is complete.
        }
        finally
        {
            if (staging is not null) ArrayPool<byte>.Shared.Return(staging);
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private static string Peer(Connection connection) =>
        connection.RemoteEndPoint is UnixDomainSocketEndPoint u && string.IsNullOrEmpty(u.ToString()) ? "a local client" : EndpointText.Format(connection.RemoteEndPoint);
}
