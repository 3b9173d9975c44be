using System.CommandLine;
using Sock.Core.Errors;
using Sock.Core.Netcat;

namespace Sock.Cli.Commands;

/// <summary>sock listen [ADDR] PORT: the netcat server.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var cli = new NetcatCli();
        var first = new Argument<string?>("ADDR") { Description = "Address to listen on (default: every address, IPv4 and IPv6)", Arity = ArgumentArity.ZeroOrOne };
        var second = new Argument<string?>("PORT") { Description = "Port (0: let the system pick; -v shows it)", Arity = ArgumentArity.ZeroOrOne };
        var keep = new Option<bool>("--keep-open", "-k") { Description = "Serve many clients at once: each one's data to stdout, stdin to all" };
        var max = new Option<int>("--max-conns", "-m") { Description = "At most N clients at once; more are closed at once (0: admit nobody)", DefaultValueFactory = _ => 100, HelpName = "N" };
        var allow = new Option<string[]>("--allow") { Description = "Only these addresses or CIDR ranges may connect (comma-separated, repeatable)", HelpName = "HOSTS", AllowMultipleArgumentsPerToken = false };
        var allowFile = new Option<string[]>("--allowfile") { Description = "Allowed addresses/ranges from FILE, separated by spaces or lines", HelpName = "FILE" };
        var deny = new Option<string[]>("--deny") { Description = "These addresses or CIDR ranges may not connect (deny wins over --allow, as in ncat)", HelpName = "HOSTS" };
        var denyFile = new Option<string[]>("--denyfile") { Description = "Denied addresses/ranges from FILE, separated by spaces or lines", HelpName = "FILE" };
        var broker = new Option<bool>("--broker") { Description = "Relay each client's data to all the other clients (stdin goes to all)" };
        var ioThreads = new Option<int?>("--io-threads") { HelpName = "N", Description = "-k, --broker, --chat: threads of the epoll engine that carry the clients (Linux x86-64 and arm64; default: half the processors, at least 1). 0: .NET's socket engine and the thread pool, as on every other system" };
        var reusePort = new Option<bool>("--reuseport") { Description = "Set SO_REUSEPORT: share the port with other servers that set it too (the kernel spreads clients over them)" };
        var chat = new Option<bool>("--chat") { Description = "A chat server: broker with a <user#N> name per client, control characters escaped" };
        var command = new Command("listen", """
            Listen on a port and join clients to stdin and stdout, as ncat -l does; -k for many.

            bind, listen, accept: serve one client on stdin/stdout and exit when it leaves, or with -k many at once
            (each connection is a new socket on the same local port). With no address and no -4/-6 the socket takes
            IPv4 and IPv6 (dual mode). A Unix listener (-U) removes a stale socket file, refuses to replace a file that
            is not a socket, and removes its own file on exit. A port another server holds is refused, naming its
            process (SO_REUSEADDR is set, SO_REUSEPORT only with --reuseport). SIGINT/SIGTERM: stop accepting, flush and close the
            clients, exit 130 (SIGINT) or 143 (SIGTERM). Exit status otherwise: 0 done, 1 network error (address in use names its holder), 2 usage.

            Examples:
              sock listen -v 8080                   one client on stdin/stdout
              sock listen -k 8080 > log             many clients, all they send appended to log
              sock listen 127.0.0.1 9000 > file     receive a file on loopback only
              sock listen --ssl -v 8443             TLS with one client (a temporary certificate)
              sock listen --broker 7000             clients talk to each other
              sock listen --chat -v 7000            a chat room
              sock listen --chat --ssl 7000         a chat room over TLS
              sock listen -k -c 'echo hello' 2000   a tiny inetd service per connection
              sock listen -u -k 5353                answer every UDP peer
              sock listen -U /tmp/app.sock          a Unix stream socket
              sock listen --allow 10.0.0.0/8 8080   only one network may connect
            """)
        {
            first, second, keep, max, allow, allowFile, deny, denyFile, broker, chat, reusePort, ioThreads,
        };
        cli.AddTo(command);
        // A listener connects nowhere: its -w bounds each client's TLS handshake.
        cli.Wait.Description = "With --ssl: how long a client's TLS handshake may take (TIME: 500ms, 2s; default 10s)";
        var tls = new TlsCli(listening: true);
        tls.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var o = cli.Read(parse);
            o.Listen = true;
            o.KeepOpen = parse.GetValue(keep);
            o.MaxConnections = parse.GetValue(max);
            o.Broker = parse.GetValue(broker);
            o.Chat = parse.GetValue(chat);
            o.ReusePort = parse.GetValue(reusePort);
            if (parse.GetValue(ioThreads) is { } threads)
            {
                if (threads is < 0 or > 1024) throw SockException.Usage("io-threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 to 1024");
                // Refused where nothing takes it, never dropped silently: one client, -e/-c and UDP own their sockets.
                if (!(o.KeepOpen || o.Broker || o.Chat) || o.Udp || o.RunsProgram)
                    throw SockException.Usage("--io-threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        "only -k, --broker and --chat clients run on the engine (over TCP or Unix, without -e/-c)");
                o.IoThreads = threads;
            }
            foreach (var a in parse.GetValue(allow) ?? []) foreach (var x in Split(a)) o.Allow.Add(x);
            foreach (var f in parse.GetValue(allowFile) ?? []) foreach (var x in AccessList.ReadFile(f)) o.Allow.Add(x);
            foreach (var d in parse.GetValue(deny) ?? []) foreach (var x in Split(d)) o.Deny.Add(x);
            foreach (var f in parse.GetValue(denyFile) ?? []) foreach (var x in AccessList.ReadFile(f)) o.Deny.Add(x);
            NetcatCli.SetTarget(o, parse.GetValue(first), parse.GetValue(second));
            o.TlsListen = tls.ReadListening(parse);
            o.TlsListen?.Validate(o, "listen");
            return await NetcatCli.RunAsync(o, parse, ct, parse.GetValue(cli.Progress));
        });
        return command;
    }

    internal static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
