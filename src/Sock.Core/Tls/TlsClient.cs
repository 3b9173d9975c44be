using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Tls;

/// <summary>
/// The client side of a TLS session over a connected stream socket (--ssl), as ncat's: SNI from the host name, no
/// verification unless asked, the certificate's subject and fingerprint described for -v. The session's records travel
/// through the socket's traced send and recv.
/// </summary>
public static class TlsClient
{
    /// <summary>How long a handshake may take when nothing says otherwise: ncat's connect timeout.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs the handshake with <paramref name="target"/> (how errors name the peer) within <paramref name="timeout"/>;
    /// <paramref name="host"/> is the name asked for (SNI, and what a verified certificate must name), null for an
    /// address-less peer such as a Unix socket unless <see cref="TlsClientOptions.ServerName"/> gives one. Failures are
    /// <see cref="SockException"/>s naming the peer and the reason.
    /// </summary>
    public static Task<SslStream> AuthenticateAsync(TracedSocket socket, TlsClientOptions tls, string? host, string target,
        TimeSpan timeout, CancellationToken ct) =>
        AuthenticateAsync(new TracedSocketStream(socket), tls, host, target, timeout, ct);

    /// <summary>The same over <paramref name="transport"/>, the stream that carries the session's records (a connection's pipes).</summary>
    internal static async Task<SslStream> AuthenticateAsync(Stream transport, TlsClientOptions tls, string? host, string target,
        TimeSpan timeout, CancellationToken ct)
    {
        host = tls.ServerName ?? (host is { } h ? EndpointText.Unbracket(h) : null);
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
        if (tls.Verify && tls.TrustFile is not null) authentication.CertificateChainPolicy = TlsHandshake.TrustOnly(tls.TrustFile);
        if (tls.CertFile is not null)
            authentication.ClientCertificates = [TlsHandshake.ReadCertificate(tls.CertFile, tls.KeyFile)];

        return await TlsHandshake.RunAsync(transport, (s, t) => s.AuthenticateAsClientAsync(authentication, t), target,
            timeout, () => why, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The session as -v tells it: protocol, cipher suite, ALPN, whether the certificate was checked; then the server's
    /// certificate (subject, issuer, validity) and its SHA-256 fingerprint. Empty when the server sent no certificate.
    /// </summary>
    public static IReadOnlyList<string> Describe(SslStream ssl, bool verified)
    {
        if (ssl.RemoteCertificate is not { } remote) return [];
        using var cert = X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
        return
        [
            $"TLS session: {TlsHandshake.Session(ssl)}"
                + (verified ? ", certificate verified" : ", certificate not verified (--ssl-verify checks it)"),
            $"Certificate: {cert.Subject}, issued by {cert.Issuer}, valid {cert.NotBefore.ToUniversalTime():yyyy-MM-dd} to {cert.NotAfter.ToUniversalTime():yyyy-MM-dd}",
            $"SHA-256 fingerprint: {Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256))}",
        ];
    }

    /// <summary>Why a certificate is not to be trusted, in a user's words; null when it is.</summary>
    private static string? Untrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? host)
    {
        if (errors == SslPolicyErrors.None) return null;
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the server sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return $"the certificate is not trusted ({TlsHandshake.ChainProblem(chain)}; --ssl-trustfile names the roots to trust)";
        }
        var subject = certificate?.Subject ?? "?";
        return host is null
            ? $"the certificate ({subject}) cannot be matched to a Unix socket: give the name it carries with --ssl-servername"
            : $"the certificate ({subject}) is not for {host}";
    }
}
