using System.CommandLine;
using Sock.Core.Netcat;
using Sock.Core.Tls;

namespace Sock.Cli.Commands;

/// <summary>TLS options, as ncat spells them, for connecting or (<see cref="Listening"/>) for listening; any of them turns TLS on.</summary>
internal sealed class TlsCli(bool listening = false)
{
    public bool Listening => listening;

    public readonly Option<bool> Ssl = new("--ssl") { Description = "Talk TLS over the connection (the server's certificate is not checked unless --ssl-verify)" };
    public readonly Option<bool> Verify = new("--ssl-verify") { Description = "Check the server's certificate: a trusted chain and the server's name" };
    public readonly Option<string?> TrustFile = new("--ssl-trustfile") { Description = "Trust the PEM certificates in FILE instead of the system's roots", HelpName = "FILE" };
    public readonly Option<string?> ServerName = new("--ssl-servername") { Description = "The name to send (SNI) and to check the certificate against (default: HOST when it is a name)", HelpName = "NAME" };
    public readonly Option<string?> Alpn = new("--ssl-alpn") { Description = "Offer these application protocols (ALPN), comma-separated: h2,http/1.1", HelpName = "LIST" };
    public readonly Option<string?> Cert = new("--ssl-cert") { Description = "Present the PEM client certificate in FILE", HelpName = "FILE" };
    public readonly Option<string?> Key = new("--ssl-key") { Description = "The PEM private key of --ssl-cert (when not in the same file)", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        if (listening)
        {
            Ssl.Description = "Talk TLS with each client (a temporary self-signed certificate unless --ssl-cert)";
            Verify.Description = "Require a client certificate that chains to a trusted root";
            TrustFile.Description = "Trust the PEM certificates in FILE for client certificates instead of the system's roots";
            Alpn.Description = "Accept these application protocols (ALPN), comma-separated, in order of preference";
            Cert.Description = "Present the PEM certificate in FILE";
        }
        // --ssl-servername is there when listening too, to be refused with a reason rather than as an unknown word.
        // Hidden from listen's help, where it does not apply.
        if (listening) ServerName.Hidden = true;
        foreach (var o in new Option[] { Ssl, Verify, TrustFile, ServerName, Alpn, Cert, Key })
            command.Options.Add(o);
    }

    /// <summary>The listening side's TLS settings given, or null when none was; errors are named for <paramref name="command"/>.</summary>
    public TlsServerOptions? ReadListening(ParseResult parse, string command = "listen") => Read(parse) is { } c ? TlsServerOptions.From(c, command) : null;

    /// <summary>The TLS settings given, or null when none was.</summary>
    public TlsClientOptions? Read(ParseResult parse)
    {
        var given = parse.GetValue(Ssl) || parse.GetValue(Verify)
            || new Option[] { TrustFile, ServerName, Alpn, Cert, Key }.Any(o => parse.GetResult(o) is not null);
        if (!given) return null;
        return new TlsClientOptions
        {
            Verify = parse.GetValue(Verify),
            TrustFile = parse.GetValue(TrustFile),
            ServerName = parse.GetValue(ServerName),
            Alpn = parse.GetValue(Alpn) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
            CertFile = parse.GetValue(Cert),
            KeyFile = parse.GetValue(Key),
        };
    }
}
