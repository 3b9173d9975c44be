using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Cli.Ui;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Inetd;

namespace Sock.Cli.Commands;

/// <summary>sock serve: the small inetd services (and the seed's hello) on the serving engine.</summary>
internal static class ServeCommand
{
    private static readonly Argument<string[]> Names = new("NAME")
    {
        Description = "Services to run: echo, discard, daytime, qotd, chargen, time, hello; or http [DIR], a static file server",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string?> Drain = new("--drain") { HelpName = "TIME", Description = "On SIGINT/SIGTERM, how long open connections may finish before they are closed (default 5s)" };

    public static Command Create()
    {
        var tls = new TlsCli(listening: true);
        var port = new Option<string?>("--port", "-p") { HelpName = "PORT", Description = "Port to serve on (one service; 0 lets the system pick, printed at start)" };
        var basePort = new Option<string?>("--base") { HelpName = "BASE", Description = "Serve each service on BASE + its standard port (10000: echo on 10007, daytime on 10013…)" };
        var tcp = new Option<bool>("--tcp", "-t") { Description = "TCP only (default: TCP and UDP)" };
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP only (default: TCP and UDP); with --unix, a Unix datagram socket" };
        var unix = new Option<string?>("--unix", "-U") { HelpName = "PATH", Description = "Serve on a Unix stream socket at PATH, or a Unix datagram socket with --udp (several services: PATH is a directory, one NAME.sock each)" };
        var bind = new Option<string?>("--bind", "-b") { HelpName = "ADDR", Description = "Address to bind (default: every address, IPv6 and IPv4)" };
        var quotes = new Option<string?>("--quotes") { HelpName = "FILE", Description = "qotd's quotes: a file of quotes separated by lines holding only %, or by blank lines" };
        var status = new Option<string?>("--status") { HelpName = "SECS", Description = "Print the socket table every SECS seconds (and on SIGUSR1): to stderr, or with --json a status event on stdout" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each connection to stderr, and its totals when it closes; each peer's UDP datagrams (at most a line a second per peer)" };
        var maxConns = new Option<int?>("--max-conns") { HelpName = "N", Description = "Most connections open at once; more are closed at accept (default: no limit)" };
        var idle = new Option<string?>("--idle-timeout", "-i") { HelpName = "TIME", Description = "Close a connection idle this long (e.g. 30s)" };
        var maxLine = new Option<int?>("--max-line") { HelpName = "BYTES", Description = "Longest line in bytes (hello; echo then works line by line); longer closes that connection. Also the longest datagram accepted" };
        var ioThreads = new Option<int?>("--io-threads") { HelpName = "N", Description = "Threads of the epoll transport that run every connection (Linux x86-64 and arm64; default: half the processors, at least 1). 0: .NET's socket engine and the thread pool" };
        var reusePort = new Option<bool>("--reuseport") { Description = "Set SO_REUSEPORT: share the ports with other servers that set it too (the kernel spreads clients over them)" };
        var json = GlobalOptions.Json();
        var ui = StatusEndpoint.Option();
        var snmp = new AgentCli();
        json.Description = "Print every event as one JSON object per line on stdout (NDJSON): serving, opened, closed, datagrams, status, stopping, stopped";
        var command = new Command("serve", """
            Run the small inetd services (echo, discard, daytime, qotd, chargen, time) and hello.

            Run the small services every Unix machine once ran from inetd, on the serving engine: echo (RFC 862), discard (863),
            daytime (867), qotd (865), chargen (864), time (868), and the seed example's hello. Each listens on its standard port
            (echo 7, discard 9, daytime 13, qotd 17, chargen 19, time 37, hello 8080) over TCP and UDP, unless told otherwise.
            Standard clients read them: nc, rdate -p, telnet.
            http [DIR] serves DIR (default: the current directory) over HTTP/1.1 on Kestrel over sock's engine, on port 8000 and
            every address unless --port/--bind/--unix say otherwise: files with their content types, ranges, ETags, HEAD,
            index.html, directory listings; nothing outside DIR (.., absolute paths and symbolic links that lead out are
            refused with 404); -v logs each request in the Common Log Format; --ssl serves HTTPS (HTTP/2 by ALPN). SIGINT/SIGTERM stops accepting, lets open connections finish
            within --drain, and exits 0. Counters: dotnet-counters monitor -n sock --counters sock.
            --unix PATH serves on a Unix stream socket instead, or with --udp on a Unix datagram socket, whose clients
            bind a path of their own to get replies (socat - UNIX-SENDTO:PATH,bind=/tmp/me). The socket file is removed at exit.
            --ssl runs every service over TLS, as ncat --ssl: TCP (or the Unix stream socket) only, since TLS needs a stream;
            the certificate of --ssl-cert/--ssl-key or a temporary self-signed one; --ssl-verify requires client certificates.
            A client whose handshake fails is closed, and the failure is printed.

            Examples:
              sock serve echo daytime chargen --base 10000
              sock serve echo --port 7007 --tcp --bind 127.0.0.1
              sock serve time --udp --port 3737
              sock serve hello --unix /tmp/hello.sock
              sock serve echo daytime --unix /tmp/inetd --udp
              sock serve echo discard --base 20000 --status 5 -v --max-conns 100 --idle-timeout 30s
              sock serve qotd --quotes ~/fortunes --base 10000
              sock serve echo chargen --base 10000 --ssl
              sock serve http                  this directory on http://[::]:8000, as python3 -m http.server
              sock serve http ./site --port 8080 --bind 127.0.0.1 -v
            """)
        {
            Names, port, basePort, tcp, udp, unix, bind, quotes, status, verbose, maxConns, idle, maxLine, Drain, ioThreads, reusePort, json, ui,
        };
        tls.AddTo(command);
        snmp.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            // SIGINT/SIGTERM start the graceful stop: registered first thing (see ServerSignals).
            using var signals = ServerSignals.Register(ct);
            var names = parse.GetValue(Names) ?? [];
            if (names.Contains("http"))
            {
                if (names[0] != "http") throw SockException.Usage("serve", string.Join(' ', names), "http runs alone: sock serve http [DIR]");
                string[] notForHttp =
                [
                    .. new (Option Option, bool Given)[]
                    {
                        (basePort, parse.GetResult(basePort) is not null), (tcp, parse.GetValue(tcp)), (udp, parse.GetValue(udp)),
                        (quotes, parse.GetResult(quotes) is not null), (maxLine, parse.GetResult(maxLine) is not null),
                        (tls.Alpn, parse.GetResult(tls.Alpn) is not null),
                    }.Where(o => o.Given).Select(o => o.Option.Name),
                ];
                return await ServeHttp.RunAsync(names, new ServeHttp.Inputs(
                    parse.GetValue(port), parse.GetValue(bind), parse.GetValue(unix), parse.GetValue(status), parse.GetValue(verbose),
                    parse.GetValue(json), parse.GetValue(maxConns), parse.GetValue(idle), DrainOf(parse), parse.GetValue(ioThreads),
                    parse.GetValue(reusePort), tls.ReadListening(parse, "serve"), parse.GetValue(ui), notForHttp), signals, parse);
            }
            foreach (var n in names) SmallServices.StandardPort(n);
            var portText = parse.GetValue(port);
            var baseText = parse.GetValue(basePort);
            if (portText is not null && baseText is not null)
                throw SockException.Usage("serve", "--port --base", "contradictory options (use one)");
            var bindText = parse.GetValue(bind);
            var inetd = new InetdOptions
            {
                Names = [.. names.Distinct()],
                Port = portText is null ? null : Ports.Parse(portText, "port", allowZero: true),
                Base = baseText is null ? null : Ports.Parse(baseText, "base", allowZero: true),
                TcpOnly = parse.GetValue(tcp),
                UdpOnly = parse.GetValue(udp),
                UnixPath = parse.GetValue(unix),
                Bind = bindText is null ? null : EndpointText.ParseAddress(EndpointText.Unbracket(bindText), "bind address"),
                Tls = tls.ReadListening(parse, "serve"),
            };
            inetd.Validate();
            var options = new ServerOptions
            {
                MaxConnections = parse.GetValue(maxConns) ?? 0,
                IdleTimeout = parse.GetValue(idle) is { } i ? Durations.ParsePositive(i, "idle timeout") : null,
                MaxLineLength = parse.GetValue(maxLine) ?? 0,
                DrainTimeout = DrainOf(parse),
                ReusePort = parse.GetValue(reusePort),
                // Every UDP service answers at once (echo, daytime, chargen…): a thread per socket in blocking calls, as
                // inetd's own loop, costs no hand-off and no spinning worker per datagram (bench/serve-udp).
                DatagramThreads = true,
            };
            if (parse.GetValue(ioThreads) is { } threads)
            {
                if (threads is < 0 or > 1024) throw SockException.Usage("io-threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 to 1024");
                options.IoThreads = threads;
            }
            if (options.MaxConnections < 0) throw SockException.Usage("max-conns", options.MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
            if (options.MaxLineLength < 0) throw SockException.Usage("max-line", options.MaxLineLength.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
            var statusEvery = parse.GetValue(status) is { } s ? Durations.Parse(s, "status interval") : (TimeSpan?)null;
            if (statusEvery is { } se && se <= TimeSpan.Zero) throw SockException.Usage("status interval", parse.GetValue(status)!, "must be more than 0");
            inetd.Quotes = parse.GetValue(quotes) is { } q ? QotdService.Load(q) : null;
            var isJson = parse.GetValue(json);
            var isVerbose = parse.GetValue(verbose);
            await using var logLines = new LinePrinter(Console.Error, capacity: 4096);
            // With --json every event is a line of stdout, so stdout's queue holds log lines as stderr's does.
            await using var printer = new LinePrinter(Console.Out, capacity: isJson ? 4096 : 256);
            IServeLog log = isJson ? new ServeJsonLog(printer, isVerbose) : new ServeLog(logLines, printer, isVerbose);

            var agentPlan = await snmp.PrepareAsync(parse, "serve", ct);
            await using var server = InetdServer.Bind(inetd, options, TraceWriter.FromOptions(parse), log);
            signals.OnStatusSignal(() => log.Status(server.Sockets));
            var started = DateTimeOffset.UtcNow;
            var title = "serve " + string.Join(' ', names);
            await using var panel = parse.GetValue(ui) ? StatusEndpoint.Start("serve", () => ServerPanel.OfSockets(title, started, server.Sockets)) : null;
            var engine = server.Server;
            await using var agent = await AgentCli.StartAsync(agentPlan, "serve", () => new Sock.Core.Snmp.SockServerStatus
            {
                Command = "serve", Started = started, Accepted = engine.TotalAccepted, Open = engine.ActiveConnections, Refused = engine.TotalRejected,
                BytesIn = engine.TotalBytesIn, BytesOut = engine.TotalBytesOut, Listening = AgentCli.Listening(engine.Sockets), Connections = engine.Connections,
            }, TraceWriter.FromOptions(parse));
            var timer = statusEvery is { } every ? new Timer(_ => log.Status(server.Sockets), null, every, every) : null;
            var forced = await server.RunAsync(signals.Stopping);
            // No status after "stopped", which is the last event: the timer is gone (and a tick in flight done) before it.
            if (timer is not null) await timer.DisposeAsync();
            // What hello was told is printed before the process ends (within the drain time, if stdout is read at all).
            if (isJson)
            {
                // One queue holds both, so the last event comes after hello's last message.
                log.Stopped(forced);
                await printer.DrainAsync(options.DrainTimeout);
            }
            else
            {
                await printer.DrainAsync(options.DrainTimeout);
                log.Stopped(forced);
            }
            await logLines.DrainAsync(options.DrainTimeout);
            return ExitCodes.Success;
        });
        return command;
    }

    private static TimeSpan DrainOf(ParseResult parse) =>
        parse.GetValue(Drain) is { } d ? Durations.ParseNonNegative(d, "drain") : ServerOptions.DefaultDrainTimeout;
}
