namespace Sock.Core.Tls;

/// <summary>
/// --ssl and its companions on the listening side, as ncat names them. Without a certificate a temporary self-signed
/// one is made at start (ncat's way); clients are not asked for one unless <see cref="Verify"/>.
/// </summary>
public sealed class TlsServerOptions
{
    /// <summary>--ssl-cert: the PEM certificate to present (with <see cref="KeyFile"/>, or with the key in the same file).</summary>
    public string? CertFile { get; set; }

    /// <summary>--ssl-key: the PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>--ssl-verify: every client must present a certificate that chains to a trusted root.</summary>
    public bool Verify { get; set; }

    /// <summary>--ssl-trustfile: PEM certificates to trust for client certificates instead of the system's store.</summary>
    public string? TrustFile { get; set; }

    /// <summary>--ssl-alpn: application protocols to accept, in order of preference.</summary>
    public IReadOnlyList<string> Alpn { get; set; } = [];

    /// <summary>What the TLS options read for a client mean when listening (ncat's options are the same words).</summary>
    public static TlsServerOptions From(TlsClientOptions c, string command = "listen")
    {
        if (c.ServerName is not null) throw Errors.SockException.Usage(command, "--ssl-servername", "names the server to connect to; it means nothing when listening");
        // ncat loads the file and never uses it ("no effect unless combined with --ssl-verify"); a listener that looks
        // as if it checks client certificates and does not is a silent security failure, so it is refused instead.
        if (c.TrustFile is not null && !c.Verify)
            throw Errors.SockException.Usage(command, "--ssl-trustfile", "trusts client certificates, which are asked for only with --ssl-verify");
        return new TlsServerOptions { Verify = c.Verify, TrustFile = c.TrustFile, Alpn = c.Alpn, CertFile = c.CertFile, KeyFile = c.KeyFile };
    }

    /// <summary>Usage errors in the settings themselves (a key without its certificate, an ALPN name too long), named for <paramref name="command"/>.</summary>
    public void Validate(string command)
    {
        if (KeyFile is not null && CertFile is null) throw Errors.SockException.Usage(command, "--ssl-key", "needs --ssl-cert, the certificate the key belongs to");
        if (Alpn.Any(p => p.Length > 255)) throw Errors.SockException.Usage(command, "--ssl-alpn", "a protocol name is at most 255 bytes");
    }
}
