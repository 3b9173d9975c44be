using System.CommandLine;
using Sock.Core.Netcat;

namespace Sock.Cli.Commands;

/// <summary>sock connect HOST PORT: the netcat client.</summary>
internal static class ConnectCommand
{
    public static Command Create()
    {
        var cli = new NetcatCli();
        var tls = new TlsCli();
        var proxy = new ProxyCli();
        var host = new Argument<string?>("HOST") { Description = "Name, IPv4 or IPv6 address (::1 or [::1]); HOST:PORT also works", Arity = ArgumentArity.ZeroOrOne };
        var port = new Argument<string?>("PORT") { Description = "Port number", Arity = ArgumentArity.ZeroOrOne };
        var source = new Option<string?>("--source", "-s") { Description = "Local address to connect from", HelpName = "ADDR" };
        var sourcePort = new Option<string?>("--source-port", "-p") { Description = "Local port to connect from", HelpName = "PORT" };
        var zero = new Option<bool>("--zero", "-z") { Description = "Zero-I/O: only report whether the port accepts a connection (exit 0 or 1)" };
        var command = new Command("connect", """
            Connect to a port and join it to stdin and stdout, as ncat does (TCP, UDP, Unix).

            Connect to HOST PORT and join the connection to stdin and stdout, as ncat does: both directions at once,
            binary-safe. At end of stdin the write side is shut down (SHUT_WR) and sock keeps reading until the peer
            closes; when the peer closes, stdout ends at once and sock exits once stdin is done or idle (0.5 s). A name with several addresses is tried address by address.
            UDP: each stdin read is one datagram; after end of stdin sock waits for replies (-q, -i, or until 2 s pass
            with none). --proxy connects through SOCKS4/4a/5 or HTTP CONNECT proxies (a chain when comma-separated).
            Exit status: 0 done, 1 network error (refused, reset, timed out…), 2 usage error, 130/143 stopped by SIGINT/SIGTERM.

            Examples:
              sock connect example.com 80 -C          talk HTTP by hand
              sock connect --ssl example.com 443 -C   talk HTTPS by hand (--ssl-verify checks the certificate)
              sock connect -v 127.0.0.1 8080 < file   send a file (half-close, then read the reply)
              sock connect -u 127.0.0.1 53 -q 1s      UDP, wait 1 s for replies after stdin ends
              sock connect -U /run/app.sock           a Unix stream socket
              sock connect -z -w 1s db.local 5432     is the port open? (exit 0/1)
              sock connect -e /bin/cat 127.0.0.1 7    an echo client run by /bin/cat
              sock connect --proxy socks5://127.0.0.1:1080 db.internal 5432   through a SOCKS5 proxy (it resolves the name)
            """)
        {
            host, port, source, sourcePort, zero,
        };
        cli.AddTo(command);
        tls.AddTo(command);
        proxy.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var o = cli.Read(parse);
            o.SourceAddress = parse.GetValue(source);
            if (parse.GetValue(sourcePort) is { } sp) o.SourcePort = Sock.Core.Endpoints.Ports.Parse(sp, "-p");
            o.ZeroIo = parse.GetValue(zero);
            NetcatCli.SetTarget(o, parse.GetValue(host), parse.GetValue(port));
            o.Tls = tls.Read(parse);
            o.Proxy = proxy.Read(parse);
            o.Tls?.Validate(o, "connect");
            return await NetcatCli.RunAsync(o, parse, ct, parse.GetValue(cli.Progress));
        });
        return command;
    }
}
