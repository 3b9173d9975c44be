using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Netcat;

/// <summary>
/// TLS as netcat uses it: which of connect's and listen's options it cannot be combined with (in netcat's words), and
/// the -v lines ncat users expect around a handshake. The TLS sessions themselves are <see cref="TlsClient"/>'s and
/// <see cref="TlsServer"/>'s.
/// </summary>
internal static class NetcatTls
{
    /// <summary>Usage errors for what TLS cannot be combined with when connecting, named for <paramref name="command"/>.</summary>
    public static void Validate(this TlsClientOptions tls, NetcatOptions options, string command)
    {
        if (options.Udp) throw SockException.Usage(command, "--ssl -u", "TLS runs over a stream; DTLS is not supported");
        if (options.ZeroIo) throw SockException.Usage(command, "--ssl -z", "-z only checks that the port accepts a connection; it starts no TLS session");
        tls.Validate(command);
    }

    /// <summary>Usage errors for what TLS cannot be combined with when listening, named for <paramref name="command"/>.</summary>
    public static void Validate(this TlsServerOptions tls, NetcatOptions options, string command)
    {
        if (options.Udp) throw SockException.Usage(command, "--ssl -u", "TLS runs over a stream; DTLS is not supported");
        tls.Validate(command);
    }

    /// <summary>The client's handshake (connect --ssl), with the warning when the certificate is not checked and -v's lines.</summary>
    internal static async Task<SslStream> ConnectAsync(TracedSocket socket, NetcatOptions options, TlsClientOptions tls, INetcatObserver log,
        CancellationToken ct)
    {
        var target = options.UnixPath ?? EndpointText.Format(socket.Socket.RemoteEndPoint);
        var ssl = await TlsClient.AuthenticateAsync(socket, tls, options.Host, target, options.ConnectTimeout ?? TlsClient.DefaultHandshakeTimeout, ct)
            .ConfigureAwait(false);
        // As ncat, --ssl alone does not check who answered; unlike ncat, sock says so, so nobody is exposed unawares.
        if (!tls.Verify) log.On(new TlsCertificateUnverified());
        log.On(new TlsClientSession(ssl, tls.Verify));
        return ssl;
    }

    /// <summary>The listener's certificate (listen --ssl), told with -v; a bad file is a usage error before anything listens.</summary>
    internal static X509Certificate2 Certificate(TlsServerOptions tls, INetcatObserver log)
    {
        var cert = TlsServer.Certificate(tls);
        if (tls.CertFile is null) log.On(new TlsTemporaryCertificate());
        log.On(new TlsCertificate(cert));
        return cert;
    }

    /// <summary>The server's handshake with one client, told with -v; failures are <see cref="SockException"/>s naming the client.</summary>
    internal static async Task<SslStream> AcceptAsync(TracedSocket client, X509Certificate2 certificate, NetcatOptions options,
        TlsServerOptions tls, string peer, INetcatObserver log, CancellationToken ct)
    {
        var ssl = await TlsServer.AuthenticateAsync(client, certificate, tls, peer, options.ConnectTimeout ?? TlsClient.DefaultHandshakeTimeout, ct)
            .ConfigureAwait(false);
        log.On(new TlsServerSession(peer, TlsServer.Describe(ssl)));
        return ssl;
    }
}
