using System.CommandLine;

namespace Sock.Cli.Commands;

/// <summary>sock socat: socat's command line (two addresses, its global options) mapped onto sock's library.</summary>
internal static class SocatCommand
{
    public static Command Create()
    {
        var rest = new Argument<string[]>("socat-arguments") { Description = "socat's options, then ADDRESS1 ADDRESS2", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("socat", """
            socat's command line (ADDRESS1 ADDRESS2) on sock's engine: forwarding, Unix/TCP bridges, TLS, programs, files, ptys.

            socat's own addresses and options, written as for socat, so scripts keep working: `fork` serves every client
            in this one process (socat forks one each). sock socat [-d…] [-v] [-x] [-t SECS] [-T SECS] [-u|-U]
            [-4|-6] ADDRESS1 ADDRESS2. Data moves both ways until one side ends; the other side's write half is then shut
            down and sock waits at most -t (0.5 s) of silence for the rest, then exits 0, as socat does.
            Address types: - STDIO STDIN STDOUT, TCP TCP4 TCP6, TCP-LISTEN (TCP4-, TCP6-), UDP (4/6), UDP-LISTEN,
            UDP-RECVFROM, UDP-SENDTO, UNIX-CONNECT, UNIX-LISTEN, UNIX-CLIENT, ABSTRACT-CONNECT, ABSTRACT-LISTEN,
            ABSTRACT-CLIENT, OPENSSL, OPENSSL-LISTEN, EXEC, SYSTEM, OPEN/FILE/GOPEN (or a path), CREATE, PIPE, PTY.
            Options: fork reuseaddr bind= sourceport= range= max-children= crlf keepalive nodelay rcvbuf= sndbuf=
            connect-timeout= retry= interval= forever verify= cert= key= cafile= commonname= unlink-early mode=
            ignoreeof link= raw echo=. Any other socat address type or option is a usage error naming it (exit 2).

            Examples:
              sock socat TCP-LISTEN:8080,fork,reuseaddr TCP:127.0.0.1:80          forward a port, every client
              sock socat UNIX-LISTEN:/tmp/d.sock,fork UNIX-CONNECT:/run/docker.sock
              sock socat - TCP:example.org:80,crlf                                talk to a port
              sock socat -v TCP-LISTEN:8080,fork TCP:127.0.0.1:80                 watch the traffic (man in the middle)
              sock socat OPENSSL-LISTEN:8443,fork,cert=c.pem,key=k.pem,verify=0 TCP:127.0.0.1:80
              sock socat PTY,link=/tmp/ttyV0,raw,echo=0 TCP:127.0.0.1:4001       a virtual serial port
              sock socat UDP-RECVFROM:5353,fork UDP:127.0.0.1:53                  forward DNS
            """)
        {
            rest,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var invocation = SocatCommandLine.Parse(RawArguments());
            if (invocation.Version)
            {
                Console.Out.WriteLine($"sock socat (socat-compatible) {ProductVersion.Text}");
                return ExitCodes.Success;
            }
            if (invocation.Help) return await parse.RootCommandResult.Command.Parse(["socat", "--help"]).InvokeAsync(cancellationToken: ct);
            return await SocatRunner.RunAsync(invocation, parse, ct);
        });
        return command;
    }

    /// <summary>The words after "socat" as the user typed them, in order (the parser above saw them as unmatched tokens).</summary>
    private static string[] RawArguments()
    {
        var all = Environment.GetCommandLineArgs().Skip(1).ToArray();
        var at = Array.IndexOf(all, "socat");
        return at < 0 ? [] : all[(at + 1)..];
    }
}
