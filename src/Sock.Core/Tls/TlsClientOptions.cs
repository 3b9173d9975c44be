namespace Sock.Core.Tls;

/// <summary>
/// --ssl and its companions on the client side, as ncat names them. Without <see cref="Verify"/> the server's
/// certificate is taken as it is (ncat's default: the session is encrypted, not authenticated) and only shown with -v.
/// </summary>
public sealed class TlsClientOptions
{
    /// <summary>--ssl-verify: the certificate must chain to a trusted root and name the server.</summary>
    public bool Verify { get; set; }

    /// <summary>--ssl-trustfile: PEM certificates to trust instead of the system's store (implies nothing without <see cref="Verify"/>).</summary>
    public string? TrustFile { get; set; }

    /// <summary>--ssl-servername: the name sent as SNI and checked against the certificate (default: the host, when it is a name).</summary>
    public string? ServerName { get; set; }

    /// <summary>--ssl-alpn: application protocols to offer, in order of preference.</summary>
    public IReadOnlyList<string> Alpn { get; set; } = [];

    /// <summary>--ssl-cert: a PEM client certificate to present (with <see cref="KeyFile"/>, or with the key in the same file).</summary>
    public string? CertFile { get; set; }

    /// <summary>--ssl-key: the PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Usage errors in the settings themselves (a key without its certificate, an ALPN name too long), named for <paramref name="command"/>.</summary>
    public void Validate(string command)
    {
        if (KeyFile is not null && CertFile is null) throw Errors.SockException.Usage(command, "--ssl-key", "needs --ssl-cert, the certificate the key belongs to");
        if (Alpn.Any(p => p.Length > 255)) throw Errors.SockException.Usage(command, "--ssl-alpn", "a protocol name is at most 255 bytes");
    }
}
