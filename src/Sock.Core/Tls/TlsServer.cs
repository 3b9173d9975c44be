using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Tls;

/// <summary>
/// The listening side of TLS (listen --ssl), as ncat's: the certificate from --ssl-cert/--ssl-key or, without them, a
/// temporary self-signed one made at start; a client certificate only with --ssl-verify.
/// </summary>
public static class TlsServer
{
    /// <summary>
    /// The certificate to present: read from the PEM files (a bad file is a usage error before anything listens), or
    /// made now for localhost, this host's name and the loopback addresses, valid for a day either side of now.
    /// </summary>
    public static X509Certificate2 Certificate(TlsServerOptions tls)
    {
        // The trust file too is read now, not at the first client's handshake: ncat refuses a bad one at start as well.
        if (tls.Verify && tls.TrustFile is { } trust) _ = TlsHandshake.TrustOnly(trust);
        if (tls.CertFile is { } file) return TlsHandshake.ReadCertificate(file, tls.KeyFile);
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var name = Dns.GetHostName();
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            // Through PKCS#12, so the key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
        }
    }

    /// <summary>The certificate as -v tells it: its subject and SHA-256 fingerprint.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject}, SHA-256 fingerprint {Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256))}";

    /// <summary>Runs the server handshake with one client; failures are <see cref="SockException"/>s naming the client.</summary>
    public static Task<SslStream> AuthenticateAsync(TracedSocket client, X509Certificate2 certificate, TlsServerOptions tls,
        string peer, TimeSpan timeout, CancellationToken ct) =>
        AuthenticateAsync(new TracedSocketStream(client), client.ResetOnClose, certificate, tls, peer, timeout, ct);

    /// <summary>
    /// Runs the server handshake with one client over <paramref name="transport"/>, the stream that carries its records;
    /// <paramref name="refuse"/> (when given) is called when its certificate is refused, to make the close a reset;
    /// <paramref name="trust"/> is --ssl-trustfile's policy when the caller has read it once for every client.
    /// </summary>
    internal static async Task<SslStream> AuthenticateAsync(Stream transport, Action? refuse, X509Certificate2 certificate,
        TlsServerOptions tls, string peer, TimeSpan timeout, CancellationToken ct, X509ChainPolicy? trust = null)
    {
        string? why = null;
        var authentication = new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            ClientCertificateRequired = tls.Verify,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (!tls.Verify) return true;
                if (cert is null) why = "the client sent no certificate (--ssl-verify requires one)";
                else if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    why = $"the client's certificate is not trusted ({TlsHandshake.ChainProblem(chain)})";
                // .NET 10 checks the certificate after OpenSSL has finished the handshake, too late to send the
                // certificate_required or bad_certificate alert (dotnet/runtime#115996 sends it from .NET 11). A client
                // under TLS 1.3 has already sent its data by now: a reset tells it that was refused, where a plain close
                // would read as the end of the server's reply.
                if (why is not null) refuse?.Invoke();
                return why is null;
            },
        };
        if (tls.Alpn.Count > 0) authentication.ApplicationProtocols = tls.Alpn.Select(p => new SslApplicationProtocol(p)).ToList();
        if (tls.Verify && tls.TrustFile is not null) authentication.CertificateChainPolicy = trust ?? TlsHandshake.TrustOnly(tls.TrustFile);
        return await TlsHandshake.RunAsync(transport, (s, t) => s.AuthenticateAsServerAsync(authentication, t), peer, timeout, () => why, ct)
            .ConfigureAwait(false);
    }

    /// <summary>A client's session as -v tells it: protocol, cipher suite, ALPN, and the client's certificate when it sent one.</summary>
    public static string Describe(SslStream ssl) =>
        TlsHandshake.Session(ssl) + (ssl.RemoteCertificate is { } c ? $", client certificate {c.Subject}" : "");
}
