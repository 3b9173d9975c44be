using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Tls;

/// <summary>
/// What the client and the server side of TLS share: the handshake over a traced socket with its time limit and its
/// failures in a user's words, the PEM files, a trust store of one's own.
/// </summary>
internal static class TlsHandshake
{
    /// <summary>
    /// Runs <paramref name="handshake"/> on a TLS session over <paramref name="socket"/> within <paramref name="timeout"/>;
    /// a failure is a <see cref="SockException"/> naming <paramref name="target"/> and, when the certificate check said
    /// why, that reason (<paramref name="why"/>).
    /// </summary>
    public static Task<SslStream> RunAsync(TracedSocket socket, Func<SslStream, CancellationToken, Task> handshake, string target,
        TimeSpan timeout, Func<string?> why, CancellationToken ct) =>
        RunAsync(new TracedSocketStream(socket), handshake, target, timeout, why, ct);

    /// <summary>The same over any stream that carries the session's records (a server connection's pipes).</summary>
    public static async Task<SslStream> RunAsync(Stream transport, Func<SslStream, CancellationToken, Task> handshake, string target,
        TimeSpan timeout, Func<string?> why, CancellationToken ct)
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await handshake(ssl, limit.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw SockException.TimedOut("TLS handshake with", target, timeout);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SockException or CryptographicException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (Find<SockException>(ex) is { } inner) throw inner;
            throw new SockException(SockErrorKind.Network, "TLS handshake with", target, why() ?? HandshakeFailure(ex), inner: ex);
        }
    }

    /// <summary>A chain policy that trusts the PEM certificates of <paramref name="trustFile"/> and nothing else.</summary>
    public static X509ChainPolicy TrustOnly(string trustFile, string option = "--ssl-trustfile")
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(ReadTrustFile(trustFile, option));
        return policy;
    }

    /// <summary>The first thing wrong with a chain, in the platform's words.</summary>
    public static string ChainProblem(X509Chain? chain)
    {
        var status = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.StatusInformation.Trim()).FirstOrDefault();
        return string.IsNullOrEmpty(status) ? "its chain does not lead to a trusted root" : status.TrimEnd('.');
    }

    public static string HandshakeFailure(Exception ex)
    {
        var message = (ex.InnerException is { } inner && ex is AuthenticationException ? inner.Message : ex.Message).Trim().TrimEnd('.');
        // .NET's words for bytes that are not a TLS record: "Cannot determine the frame size or a corrupted frame…".
        return ex.Message.Contains("frame", StringComparison.OrdinalIgnoreCase) || message.Contains("frame", StringComparison.OrdinalIgnoreCase)
            ? "the peer does not speak TLS (its answer is not a TLS record)"
            : $"the peer ended the handshake ({message})";
    }

    private static X509Certificate2Collection ReadTrustFile(string path, string option)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw SockException.Usage(option, path, ex is CryptographicException ? "holds no PEM certificate" : FileErrorText.Describe(ex, path, "cannot be read"));
        }
        if (roots.Count == 0) throw SockException.Usage(option, path, "holds no PEM certificate");
        return roots;
    }

    public static X509Certificate2 ReadCertificate(string certFile, string? keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // An ephemeral key is not usable for TLS client authentication on every platform: export and reload.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file that could not be read, in the C library's words (not .NET's "Could not find file '…'").
            var failed = keyFile is not null && ex is FileNotFoundException { FileName: { } name } && name.EndsWith(keyFile, StringComparison.Ordinal)
                ? ("--ssl-key", keyFile) : ("--ssl-cert", certFile);
            throw SockException.Usage(failed.Item1, failed.Item2, FileErrorText.Describe(ex, failed.Item2, "cannot be read"));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw SockException.Usage("--ssl-cert", certFile, keyFile is null
                ? "is not a PEM certificate with its private key; name the key with --ssl-key"
                : $"and {keyFile} are not a PEM certificate and its private key");
        }
    }

    /// <summary>A session's protocol, cipher suite and (when one was agreed) application protocol: "TLS 1.3, TLS_AES_256_GCM_SHA384".</summary>
    public static string Session(SslStream ssl) =>
        $"{Protocol(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}"
        + (ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? "" : $", ALPN {ssl.NegotiatedApplicationProtocol}");

    public static string Protocol(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLS 1.3",
        SslProtocols.Tls12 => "TLS 1.2",
        _ => p.ToString(),
    };

    /// <summary>The first <typeparamref name="T"/> in <paramref name="ex"/>'s chain of inner exceptions.</summary>
    public static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T t) return t;
        return null;
    }
}
