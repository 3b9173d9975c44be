using System.CommandLine;
using Sock.Core.Netcat;

namespace Sock.Cli.Commands;

/// <summary>sock nc: ncat's command line, mapped onto connect and listen.</summary>
internal static class NcCommand
{
    public static Command Create()
    {
        var rest = new Argument<string[]>("ncat-arguments") { Description = "ncat's options and [host] [port]", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("nc", """
            ncat's own command line (-lvnp 8080, -w5 …) mapped onto connect and listen.

            ncat's command line, so that `alias ncat='sock nc'` keeps scripts working: short options bundled (-lvnp 8080),
            values attached or separate (-w5, -w 5, --wait=5), default port 31337, -l with no port, a port, or host and
            port, exit status 0/1/2. Where OpenBSD nc uses a letter differently, ncat's meaning wins: -d is --delay TIME,
            -i is --idle-timeout, -C is --crlf, -x is --hex-dump FILE. From OpenBSD nc, -q TIME (quit after end of stdin)
            and -N (shut down at EOF, already the default) are accepted too.
            Options: -4 -6 -U -C -c CMD -e CMD -m N -d TIME -o FILE -x FILE -i TIME -p PORT -s ADDR -l -k -n -u -v -w TIME
            -z -q TIME -N --append-output --send-only --recv-only --no-shutdown --allow --allowfile --deny --denyfile
            --broker --chat --version.
            TLS: --ssl, --ssl-verify, --ssl-trustfile, --ssl-servername, --ssl-alpn, --ssl-cert, --ssl-key.
            Proxies: --proxy HOST[:PORT] (or socks5://USER:PASS@HOST:PORT; comma-separated for a chain), --proxy-type
            socks4|socks4a|socks5|http, --proxy-auth USER:PASS, --proxy-dns local|remote|both|none; OpenBSD nc's
            -X 4|5|connect with -x HOST:PORT (with -X, -x is the proxy address, not --hex-dump).
            ncat's proxy server: -l --proxy-type http [--proxy-auth USER:PASS] is an HTTP proxy (CONNECT, GET/POST forwarded;
            Basic and Digest authentication), the server of sock proxy.
            Not supported yet (a usage error, exit 2): --ssl-ciphers, --ssl-crl, --lua-exec, --sctp, --vsock, -t/--telnet, -g, -G.

            Examples:
              sock nc -lvnp 8080                     listen on port 8080, verbose, no DNS
              sock nc -l 127.0.0.1 9000 > file       receive a file
              sock nc -w5 example.com 80             connect with a 5 s timeout
              sock nc -lk --broker 7000              a broker
              sock nc -U /run/app.sock               a Unix socket
              sock nc -zv 127.0.0.1 22               is the port open?
              sock nc -X 5 -x 127.0.0.1:1080 %h %p   ssh's ProxyCommand through a SOCKS5 proxy
            """)
        {
            rest,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var invocation = NcatCommandLine.Parse(RawArguments());
            // ncat's proxy server mode (-l --proxy-type http) is sock proxy's server, not a netcat listener.
            if (invocation.ProxyServer is var (proxyType, proxyAuth) && !invocation.Help && !invocation.Version)
                return await NcatProxyServer.RunAsync(invocation.Options, proxyType, proxyAuth, parse, ct);
            if (invocation.Version)
            {
                Console.Out.WriteLine($"sock nc (ncat-compatible) {ProductVersion.Text}");
                return ExitCodes.Success;
            }
            // -h anywhere, bundled or not (-vh, -lvh 8080), is help, as in ncat: never a listener on a port nobody chose.
            if (invocation.Help) return await parse.RootCommandResult.Command.Parse(["nc", "--help"]).InvokeAsync(cancellationToken: ct);
            return await NetcatCli.RunAsync(invocation.Options, parse, ct);
        });
        return command;
    }

    /// <summary>The words after "nc" as the user typed them, in order (the parser above saw them as unmatched tokens).</summary>
    private static string[] RawArguments()
    {
        var all = Environment.GetCommandLineArgs().Skip(1).ToArray();
        var at = Array.IndexOf(all, "nc");
        return at < 0 ? [] : all[(at + 1)..];
    }
}
