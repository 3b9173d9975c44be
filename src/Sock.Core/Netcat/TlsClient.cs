using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Transport;

namespace Sock.Core.Netcat;

/// <summary>
/// The client side of a TLS session over a connected stream socket (--ssl), as ncat's: SNI from the host name, no
/// verification unless asked, the certificate's subject and fingerprint told with -v. The session's records travel
/// through the socket's traced send and recv.
/// </summary>
public static class TlsClient
{
    /// <summary>How long the handshake may take when -w does not say: ncat's connect timeout.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs the handshake; failures are <see cref="SockException"/>s naming the peer and the reason.</summary>
    public static async Task<SslStream> AuthenticateAsync(TracedSocket socket, NetcatOptions options, TlsClientOptions tls,
        INetcatLog log, CancellationToken ct)
    {
        var target = options.UnixPath ?? EndpointText.Format(socket.Socket.RemoteEndPoint);
        var host = tls.ServerName ?? (options.Host is { } h ? EndpointText.Unbracket(h) : null);
        string? why = null;
        var authentication = new SslClientAuthenticationOptions
        {
            // The name the certificate must carry when verifying (an address is matched against its IP entries), and the
            // SNI sent, which .NET leaves out for an address as RFC 6066 asks.
            TargetHost = host ?? "",
            EnabledSslProtocols = SslProtocols.None, // the system's choice: TLS 1.2 and 1.3
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!tls.Verify) return true;
                why = Untrusted(certificate, chain, errors, host);
                return why is null;
            },
        };
        if (tls.Alpn.Count > 0) authentication.ApplicationProtocols = tls.Alpn.Select(p => new SslApplicationProtocol(p)).ToList();
        if (tls.Verify && tls.TrustFile is not null)
        {
            authentication.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            authentication.CertificateChainPolicy.CustomTrustStore.AddRange(ReadTrustFile(tls.TrustFile));
        }
        if (tls.CertFile is not null)
            authentication.ClientCertificates = [ReadCertificate(tls.CertFile, tls.KeyFile)];

        var ssl = new SslStream(new TracedSocketStream(socket), leaveInnerStreamOpen: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timeout = options.ConnectTimeout ?? DefaultHandshakeTimeout;
        limit.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw SockException.TimedOut("TLS handshake with", target, timeout);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SockException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (Find<SockException>(ex) is { } inner) throw inner;
            throw new SockException(SockErrorKind.Network, "TLS handshake with", target, why ?? HandshakeFailure(ex), inner: ex);
        }
        if (ssl.RemoteCertificate is { } remote)
        {
            using var cert = X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
            log.Write(1, $"TLS session: {Protocol(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}"
                + (ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? "" : $", ALPN {ssl.NegotiatedApplicationProtocol}")
                + (tls.Verify ? ", certificate verified" : ", certificate not verified (--ssl-verify checks it)"));
            log.Write(1, $"Certificate: {cert.Subject}, issued by {cert.Issuer}, valid {cert.NotBefore.ToUniversalTime():yyyy-MM-dd} to {cert.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            log.Write(1, $"SHA-256 fingerprint: {Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256))}");
        }
        return ssl;
    }

    /// <summary>Why a certificate is not to be trusted, in a user's words; null when it is.</summary>
    private static string? Untrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? host)
    {
        if (errors == SslPolicyErrors.None) return null;
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the server sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var status = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.StatusInformation.Trim()).FirstOrDefault();
            return $"the certificate is not trusted ({(string.IsNullOrEmpty(status) ? "its chain does not lead to a trusted root" : status.TrimEnd('.'))}; --ssl-trustfile names the roots to trust)";
        }
        var subject = certificate?.Subject ?? "?";
        return host is null
            ? $"the certificate ({subject}) cannot be matched to a Unix socket: give the name it carries with --ssl-servername"
            : $"the certificate ({subject}) is not for {host}";
    }

    internal static string HandshakeFailure(Exception ex)
    {
        var message = (ex.InnerException is { } inner && ex is AuthenticationException ? inner.Message : ex.Message).Trim().TrimEnd('.');
        // .NET's words for bytes that are not a TLS record: "Cannot determine the frame size or a corrupted frame…".
        return ex.Message.Contains("frame", StringComparison.OrdinalIgnoreCase) || message.Contains("frame", StringComparison.OrdinalIgnoreCase)
            ? "the peer does not speak TLS (its answer is not a TLS record)"
            : $"the peer ended the handshake ({message})";
    }

    internal static X509Certificate2Collection ReadTrustFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw SockException.Usage("--ssl-trustfile", path, ex is CryptographicException ? "holds no PEM certificate" : ex.Message);
        }
        if (roots.Count == 0) throw SockException.Usage("--ssl-trustfile", path, "holds no PEM certificate");
        return roots;
    }

    internal static X509Certificate2 ReadCertificate(string certFile, string? keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // An ephemeral key is not usable for TLS client authentication on every platform: export and reload.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw SockException.Usage("--ssl-cert", certFile, keyFile is null
                ? $"is not a PEM certificate with its private key ({ex.Message.Trim().TrimEnd('.')}); name the key with --ssl-key"
                : $"and {keyFile} are not a PEM certificate and its private key ({ex.Message.Trim().TrimEnd('.')})");
        }
    }

    internal static string Protocol(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLS 1.3",
        SslProtocols.Tls12 => "TLS 1.2",
        _ => p.ToString(),
    };

    /// <summary>The first <typeparamref name="T"/> in <paramref name="ex"/>'s chain of inner exceptions.</summary>
    internal static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T t) return t;
        return null;
    }
}
