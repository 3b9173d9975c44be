using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Serving;
using Sock.Core.Inetd;

namespace Sock.Cli.Commands;

/// <summary>sock serve: the small inetd services (and the seed's hello) on the serving engine.</summary>
internal static class ServeCommand
{
    private static readonly Argument<string[]> Names = new("NAME")
    {
        Description = "Services to run: echo, discard, daytime, qotd, chargen, time, hello",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string?> Drain = new("--drain") { HelpName = "TIME", Description = "On SIGINT/SIGTERM, how long open connections may finish before they are closed (default 5s)" };

    public static Command Create()
    {
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
        json.Description = "Print every event as one JSON object per line on stdout (NDJSON): serving, opened, closed, datagrams, status, stopping, stopped";
        var command = new Command("serve", """
            Run the small inetd services (echo, discard, daytime, qotd, chargen, time) and hello.

            Run the small services every Unix machine once ran from inetd, on the serving engine: echo (RFC 862), discard (863),
            daytime (867), qotd (865), chargen (864), time (868), and the seed example's hello. Each listens on its standard port
            (echo 7, discard 9, daytime 13, qotd 17, chargen 19, time 37, hello 8080) over TCP and UDP, unless told otherwise.
            Standard clients read them: nc, rdate -p, telnet. SIGINT/SIGTERM stops accepting, lets open connections finish
            within --drain, and exits 0. Counters: dotnet-counters monitor -n sock --counters sock.
            --unix PATH serves on a Unix stream socket instead, or with --udp on a Unix datagram socket, whose clients
            bind a path of their own to get replies (socat - UNIX-SENDTO:PATH,bind=/tmp/me). The socket file is removed at exit.

            Examples:
              sock serve echo daytime chargen --base 10000
              sock serve echo --port 7007 --tcp --bind 127.0.0.1
              sock serve time --udp --port 3737
              sock serve hello --unix /tmp/hello.sock
              sock serve echo daytime --unix /tmp/inetd --udp
              sock serve echo discard --base 20000 --status 5 -v --max-conns 100 --idle-timeout 30s
              sock serve qotd --quotes ~/fortunes --base 10000
            """)
        {
            Names, port, basePort, tcp, udp, unix, bind, quotes, status, verbose, maxConns, idle, maxLine, Drain, ioThreads, reusePort, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            // SIGINT/SIGTERM start the graceful stop. They are registered here, first thing, rather than left to
            // System.CommandLine, which registers its handlers only once the action has reached its first await (a
            // signal just after the "serving" lines would end the process with 143) and ends the process 2 s later.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void OnStopSignal(PosixSignalContext c)
            {
                c.Cancel = true;
                try { stop.Cancel(); } catch (ObjectDisposedException) { } // a signal during the last moments of exit
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
            var names = parse.GetValue(Names) ?? [];
            foreach (var n in names) SmallServices.StandardPort(n);
            names = [.. names.Distinct()];
            var portText = parse.GetValue(port);
            var baseText = parse.GetValue(basePort);
            var unixPath = parse.GetValue(unix);
            var bindText = parse.GetValue(bind);
            var tcpOnly = parse.GetValue(tcp);
            var udpOnly = parse.GetValue(udp);
            if (portText is not null && baseText is not null)
                throw SockException.Usage("serve", "--port --base", "contradictory options (use one)");
            int? fixedPort = portText is null ? null : Ports.Parse(portText, "port", allowZero: true);
            if (fixedPort is > 0 && names.Length > 1)
                throw SockException.Usage("serve", $"--port {fixedPort}", "one port cannot serve several services (use --base, or --port 0)");
            var baseValue = baseText is null ? 0 : Ports.Parse(baseText, "base", allowZero: true);
            if (unixPath is not null && (portText is not null || baseText is not null || bindText is not null))
                throw SockException.Usage("serve", "--unix", "contradictory options (a Unix socket has no port or address)");
            // One path is one socket: stream (the default) or datagram (--udp), not both.
            if (unixPath is not null && tcpOnly && udpOnly)
                throw SockException.Usage("serve", "--unix --tcp --udp", "contradictory options (a Unix socket path is stream or, with --udp, datagram)");
            var options = new ServerOptions
            {
                MaxConnections = parse.GetValue(maxConns) ?? 0,
                IdleTimeout = parse.GetValue(idle) is { } i ? Durations.ParsePositive(i, "idle timeout") : null,
                MaxLineLength = parse.GetValue(maxLine) ?? 0,
                DrainTimeout = DrainOf(parse),
                ReusePort = parse.GetValue(reusePort),
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
            var quoteList = parse.GetValue(quotes) is { } q ? QotdService.Load(q) : null;
            var isJson = parse.GetValue(json);
            var isVerbose = parse.GetValue(verbose);
            await using var logLines = new LinePrinter(Console.Error, capacity: 4096);
            // With --json every event is a line of stdout, so stdout's queue holds log lines as stderr's does.
            await using var printer = new LinePrinter(Console.Out, capacity: isJson ? 4096 : 256);
            IServeLog log = isJson ? new ServeJsonLog(printer, isVerbose) : new ServeLog(logLines, printer, isVerbose);
            ValueTask Print(ServiceMessage m) => log.MessageAsync(m);

            await using var server = new SocketServer(options, TraceWriter.FromOptions(parse), log);
            var doTcp = !udpOnly || tcpOnly;
            var doUdp = !tcpOnly || udpOnly;
            var address = bindText is null ? null : EndpointText.ParseAddress(EndpointText.Unbracket(bindText), "bind address");
            var dual = address is null && Socket.OSSupportsIPv6;
            address ??= Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
            if (unixPath is not null && names.Length > 1) Directory.CreateDirectory(unixPath);
            var bound = new List<(SmallService Service, string Protocol, EndPoint Bound)>();
            foreach (var name in names)
            {
                var service = SmallServices.Create(name, quoteList, Print);
                if (unixPath is not null)
                {
                    var file = names.Length > 1 ? Path.Combine(unixPath, name + ".sock") : unixPath;
                    // A file left by a process that died is replaced (as sock listen does); a live socket or any other file is not.
                    UnixSocketFile.PrepareForBind(file);
                    var path = EndpointText.UnixEndPoint(file, "--unix");
                    bound.Add(udpOnly
                        ? (service, "unixgram", server.ListenDatagram(name, path, service.Datagram))
                        : (service, "unix", server.ListenStream(name, path, service.Stream)));
                    continue;
                }
                var p = fixedPort ?? baseValue + service.StandardPort;
                if (p > Ports.Max)
                    throw SockException.Usage("base", baseText!, $"{name} would be on port {p}, past {Ports.Max}");
                if (doTcp) bound.Add((service, "tcp", server.ListenStream(name, new IPEndPoint(address, p), service.Stream, dual)));
                if (doUdp) bound.Add((service, "udp", server.ListenDatagram(name, new IPEndPoint(address, p), service.Datagram, dual)));
            }
            // Printed once everything is bound, so a port that cannot be bound is the only line a failure prints.
            foreach (var (service, protocol, endpoint) in bound) log.Listening(service, protocol, endpoint);
            server.Start();

            using var usr1 = RegisterStatusSignal(() => log.Status(server.Sockets));
            using var timer = statusEvery is { } every ? new Timer(_ => log.Status(server.Sockets), null, every, every) : null;
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            // StopAsync closes the listening sockets before it returns its task, so "stopping" is printed once new
            // connections are refused.
            var open = server.ActiveConnections;
            var stopping = server.StopAsync();
            log.Stopping(open, options.DrainTimeout);
            var forced = await stopping;
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

    /// <summary>
    /// How long System.CommandLine waits after SIGINT/SIGTERM before it ends the process: its 2 s default for every
    /// command but serve, which handles those signals itself (null: System.CommandLine registers no handler), so a
    /// drain is neither cut short nor raced.
    /// </summary>
    public static TimeSpan? TerminationTimeout(ParseResult parse) =>
        parse.CommandResult.Command.Name == "serve" ? null : TimeSpan.FromSeconds(2);

    private static TimeSpan DrainOf(ParseResult parse) =>
        parse.GetValue(Drain) is { } d ? Durations.ParseNonNegative(d, "drain") : ServerOptions.DefaultDrainTimeout;

    private static PosixSignalRegistration? RegisterStatusSignal(Action print)
    {
        // SIGUSR1 is 10 on Linux, 30 on the BSDs and macOS; .NET takes raw numbers cast to PosixSignal.
        var number = OperatingSystem.IsLinux() ? 10 : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 0;
        if (number == 0) return null;
        return PosixSignalRegistration.Create((PosixSignal)number, context =>
        {
            context.Cancel = true;
            print();
        });
    }
}
