using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Cli.Ui;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Netcat;
using Sock.Core.Tls;

namespace Sock.Cli.Commands;

/// <summary>sock forward LISTEN TARGET: port forwarding for many clients in one process, on the server engine.</summary>
internal static class ForwardCommand
{
    public static Command Create()
    {
        var listenArg = new Argument<string>("LISTEN") { Description = "Where to listen: PORT, ADDR:PORT, [::1]:PORT, tcp:…, tcp4:…, tcp6:…, udp:…, tls:[ADDR:]PORT, unix:/path, unix:@name" };
        var targetArg = new Argument<string>("TARGET") { Description = "Where to forward each client: [HOST:]PORT, tcp:HOST:PORT, udp:HOST:PORT, tls:HOST:PORT, unix:/path, unix:@name" };
        var max = new Option<int?>("--max-conns", "-m") { HelpName = "N", Description = "Most sessions at once (client connections, or UDP client addresses); more are refused and counted (default: no limit)" };
        var allow = new Option<string[]>("--allow") { HelpName = "HOSTS", Description = "Only these addresses or CIDR ranges may connect (comma-separated, repeatable)" };
        var allowFile = new Option<string[]>("--allowfile") { HelpName = "FILE", Description = "Allowed addresses/ranges from FILE, separated by spaces or lines" };
        var deny = new Option<string[]>("--deny") { HelpName = "HOSTS", Description = "These addresses or CIDR ranges may not connect (deny wins over --allow, as in ncat)" };
        var denyFile = new Option<string[]>("--denyfile") { HelpName = "FILE", Description = "Denied addresses/ranges from FILE, separated by spaces or lines" };
        var idle = new Option<string?>("--idle-timeout", "-i") { HelpName = "TIME", Description = "Close a session with no bytes either way for TIME (e.g. 5m)" };
        var connectTimeout = new Option<string?>("--connect-timeout") { HelpName = "TIME", Description = "How long each connection to the target (and its TLS handshake) may take (default 10s)" };
        var retry = new Option<int?>("--retry") { HelpName = "N", Description = "Try the target N more times when it cannot be reached (socat's retry=)" };
        var retryDelay = new Option<string?>("--retry-delay") { HelpName = "TIME", Description = "Wait between attempts (default 1s, socat's interval=)" };
        var forever = new Option<bool>("--forever") { Description = "Try the target until it answers or the client leaves (socat's forever)" };
        var keepalive = new Option<bool>("--keepalive") { Description = "SO_KEEPALIVE on both legs" };
        var nodelay = new Option<bool>("--nodelay") { Description = "TCP_NODELAY on both legs: small writes go at once (the default, as haproxy's)" };
        var nagle = new Option<bool>("--nagle") { Description = "Keep Nagle's algorithm on both legs (TCP_NODELAY off, as socat without nodelay)" };
        var rcvbuf = new Option<int?>("--rcvbuf") { HelpName = "BYTES", Description = "SO_RCVBUF on both legs" };
        var sndbuf = new Option<int?>("--sndbuf") { HelpName = "BYTES", Description = "SO_SNDBUF on both legs" };
        var source = new Option<string?>("--source", "-s") { HelpName = "ADDR", Description = "Connect to the target from this local address" };
        var drain = new Option<string?>("--drain") { HelpName = "TIME", Description = "On SIGINT/SIGTERM, how long open sessions may finish before they are closed (default 5s)" };
        var udpIdle = new Option<string?>("--udp-idle") { HelpName = "TIME", Description = "End a UDP session (one per client address) after TIME without a datagram either way (default 60s)" };
        var cert = new Option<string?>("--cert") { HelpName = "FILE", Description = "tls: listening: the PEM certificate to present (default: a temporary self-signed one, its fingerprint printed)" };
        var key = new Option<string?>("--key") { HelpName = "FILE", Description = "The PEM private key of --cert (when not in the same file)" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "tls: target: do not check its certificate (checked by default: a trusted chain and the target's name)" };
        var ca = new Option<string?>("--ca") { HelpName = "FILE", Description = "tls: target: trust the PEM certificates in FILE instead of the system's roots" };
        var serverName = new Option<string?>("--servername") { HelpName = "NAME", Description = "tls: target: the name to send (SNI) and check the certificate against (default: the target's host)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "A line per session on stderr when it opens and when it closes (id, peers, bytes each way, duration, why)" };
        var dump = new Option<bool>("--dump") { Description = "Show the relayed bytes as text on stderr, '>' client to target and '<' back, with the session's id (as socat -v)" };
        var hex = new Option<bool>("--hex") { Description = "Show the relayed bytes as a hex dump (as socat -x)" };
        var dumpFile = new Option<string?>("--dump-file") { HelpName = "FILE", Description = "Write --dump/--hex to FILE instead of stderr (implies --dump unless --hex)" };
        var status = new Option<string?>("--status") { HelpName = "SECS", Description = "Print the table of open sessions every SECS seconds (and on SIGUSR1), both legs' sockets" };
        var ioThreads = new Option<int?>("--io-threads") { HelpName = "N", Description = "Epoll threads for the accepted side (default: half the processors, at least 1; 0: .NET's socket engine)" };
        var reusePort = new Option<bool>("--reuseport") { Description = "Set SO_REUSEPORT on the listening socket" };
        var proxy = new ProxyCli();
        var noSplice = new Option<bool>("--no-splice") { Description = "Copy every pair through user space (default on Linux: plain TCP/Unix pairs are spliced in the kernel, splice(2))" };
        var json = GlobalOptions.Json();
        var ui = StatusEndpoint.Option();
        var snmp = new AgentCli();
        json.Description = "Print the connection log as NDJSON on stdout: listening, opened, closed, refused, retrying, dropped, status, stopping, stopped";
        var command = new Command("forward", """
            Forward a port: every client to a target, many at once, in one process.

            Listens on LISTEN and, for each client, connects to TARGET and relays both ways until both are done — what
            `socat TCP-LISTEN:8080,fork,reuseaddr TCP:host:80` does, without a process per client. Any stream to any stream:
            TCP (IPv4, IPv6), Unix sockets (a path, or @name in the abstract namespace), TLS (tls:PORT terminates it with
            --cert/--key or a temporary self-signed certificate; tls:HOST:PORT originates it, the target's certificate
            checked unless --insecure); and UDP to UDP, one session (its own socket towards the target) per client address.
            --proxy (with --proxy-type, --proxy-auth, --proxy-dns, as connect's) reaches a TCP or TLS target through SOCKS4/4a/5
            or HTTP CONNECT proxies, a chain when comma-separated; a proxy's refusal is that client's logged refusal.
            A client's end of stream is passed to the target as one (FIN → SHUT_WR) and the target may still answer; a reset
            is passed as a reset. A slow side slows the fast one: memory does not grow with the data. A target that cannot be
            reached closes that client with a logged reason. SIGINT/SIGTERM stops accepting, lets open sessions finish within
            --drain, and exits 0; SIGUSR1 prints the session table.

            Examples:
              sock forward 8080 example.org:80
              sock forward 127.0.0.1:2375 unix:/var/run/docker.sock
              sock forward unix:/tmp/admin.sock 127.0.0.1:9999
              sock forward tls:8443 127.0.0.1:8080 --cert site.pem --key site.key
              sock forward 5432 tls:db.internal:5432 --ca internal-ca.pem
              sock forward udp:5353 udp:192.0.2.53:53 --udp-idle 30s
              sock forward -v --dump 8080 127.0.0.1:80
              sock forward 8080 127.0.0.1:80 --retry 10 --retry-delay 500ms --max-conns 1000 --drain 30s
              sock forward 2222 db.internal:22 --proxy socks5://127.0.0.1:1080
            """)
        {
            listenArg, targetArg, max, allow, allowFile, deny, denyFile, idle, connectTimeout, retry, retryDelay, forever, keepalive, nodelay, nagle,
            rcvbuf, sndbuf, source, drain, udpIdle, cert, key, insecure, ca, serverName, verbose, dump, hex, dumpFile, status, ioThreads, reusePort, noSplice, json, ui,
        };
        proxy.AddTo(command);
        snmp.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            // SIGINT/SIGTERM start the graceful stop, registered first thing (as serve's: System.CommandLine would end the
            // process 2 s after the signal, cutting the drain short).
            using var signals = ServerSignals.Register(ct);

            var listen = ForwardEndpoint.Parse(parse.GetValue(listenArg)!, listening: true, "listen address");
            var target = ForwardEndpoint.Parse(parse.GetValue(targetArg)!, listening: false, "target");
            if (listen.IsDatagram != target.IsDatagram)
                throw SockException.Usage("forward", $"{listen} {target}", "UDP forwards to UDP only, and a stream to a stream");
            var options = new ForwardOptions
            {
                MaxSessions = NonNegative(parse.GetValue(max), "max-conns"),
                IdleTimeout = parse.GetValue(idle) is { } i ? Durations.ParsePositive(i, "idle timeout") : null,
                ConnectTimeout = parse.GetValue(connectTimeout) is { } t ? Durations.ParsePositive(t, "connect timeout") : ForwardOptions.DefaultConnectTimeout,
                Retry = NonNegative(parse.GetValue(retry), "retry"),
                RetryDelay = parse.GetValue(retryDelay) is { } rd ? Durations.ParseNonNegative(rd, "retry delay") : ForwardOptions.DefaultRetryDelay,
                Forever = parse.GetValue(forever),
                KeepAlive = parse.GetValue(keepalive),
                // A forwarder adds no delay of its own by default (haproxy sets TCP_NODELAY on both sides): what a client
                // sends in one write goes on at once instead of waiting for the target's ACK of the previous segment.
                NoDelay = !parse.GetValue(nagle),
                ReceiveBufferSize = Positive(parse.GetValue(rcvbuf), "rcvbuf"),
                SendBufferSize = Positive(parse.GetValue(sndbuf), "sndbuf"),
                SourceAddress = parse.GetValue(source),
                DrainTimeout = parse.GetValue(drain) is { } d ? Durations.ParseNonNegative(d, "drain") : ForwardOptions.DefaultDrainTimeout,
                UdpIdleTimeout = parse.GetValue(udpIdle) is { } u ? Durations.ParsePositive(u, "udp idle timeout") : ForwardOptions.DefaultUdpIdleTimeout,
                ReusePort = parse.GetValue(reusePort),
                Trace = TraceWriter.FromOptions(parse),
                Proxy = proxy.Read(parse),
                Splice = !parse.GetValue(noSplice),
            };
            if (options.Proxy is not null && listen.IsDatagram)
                throw SockException.Usage("forward", "--proxy", "proxies carry TCP connections, not UDP (udp:PORT)");
            if (parse.GetValue(ioThreads) is { } threads)
            {
                if (threads is < 0 or > 1024) throw SockException.Usage("io-threads", threads.ToString(CultureInfo.InvariantCulture), "must be 0 to 1024");
                options.IoThreads = threads;
            }
            if (parse.GetValue(nodelay) && parse.GetValue(nagle))
                throw SockException.Usage("forward", "--nagle", "contradicts --nodelay");
            if (parse.GetValue(udpIdle) is not null && !listen.IsDatagram)
                throw SockException.Usage("forward", "--udp-idle", "applies to UDP forwarding only (udp:PORT udp:HOST:PORT)");
            if (!listen.IsDatagram && options.Retry == 0 && !options.Forever && parse.GetValue(retryDelay) is not null)
                throw SockException.Usage("forward", "--retry-delay", "needs --retry N or --forever");
            // Socket options of TCP and the kernel splice of stream pairs mean nothing to a UDP forward: refused, not ignored.
            if (listen.IsDatagram && new[] { ("--nodelay", nodelay), ("--nagle", nagle), ("--keepalive", keepalive), ("--no-splice", noSplice) }
                    .FirstOrDefault(o => parse.GetValue(o.Item2)) is { Item1: { } streamOnly })
                throw SockException.Usage("forward", streamOnly, "applies to stream forwarding (TCP, Unix, TLS), not udp:PORT");
            if (listen.IsDatagram && (options.Retry > 0 || options.Forever))
                throw SockException.Usage("forward", "--retry", "applies to stream targets (a UDP target is never refused at connect)");

            // TLS on either side, and options that apply to a side only when that side has it.
            if (listen.Scheme == ForwardScheme.Tls)
            {
                options.ServerTls = new TlsServerOptions { CertFile = parse.GetValue(cert), KeyFile = parse.GetValue(key) };
                if (options.ServerTls.KeyFile is not null && options.ServerTls.CertFile is null)
                    throw SockException.Usage("forward", "--key", "needs --cert, the certificate the key belongs to");
                options.ServerTls.Validate("forward");
            }
            else if (parse.GetValue(cert) is not null || parse.GetValue(key) is not null)
            {
                throw SockException.Usage("forward", parse.GetValue(cert) is not null ? "--cert" : "--key", "applies to a TLS listener (tls:PORT)");
            }
            if (target.Scheme == ForwardScheme.Tls)
            {
                options.ClientTls = new TlsClientOptions
                {
                    Verify = !parse.GetValue(insecure),
                    TrustFile = parse.GetValue(ca),
                    ServerName = parse.GetValue(serverName),
                };
                if (options.ClientTls.TrustFile is { } trust) _ = TlsHandshake.TrustOnly(trust); // a bad --ca is refused now, not at the first client
            }
            else
            {
                foreach (var (o, given) in new (string, bool)[] { ("--insecure", parse.GetValue(insecure)), ("--ca", parse.GetValue(ca) is not null), ("--servername", parse.GetValue(serverName) is not null) })
                    if (given) throw SockException.Usage("forward", o, "applies to a TLS target (tls:HOST:PORT)");
            }

            var allowList = (parse.GetValue(allow) ?? []).SelectMany(ListenCommand.Split).Concat((parse.GetValue(allowFile) ?? []).SelectMany(AccessList.ReadFile)).ToList();
            var denyList = (parse.GetValue(deny) ?? []).SelectMany(ListenCommand.Split).Concat((parse.GetValue(denyFile) ?? []).SelectMany(AccessList.ReadFile)).ToList();
            if (allowList.Count > 0 || denyList.Count > 0)
            {
                if (listen.IsUnix) throw SockException.Usage("forward", "--allow/--deny", "apply to IP clients; a Unix socket's clients are kept out by the file's permissions");
                var access = await AccessList.CreateAsync(allowList, denyList, noDns: false, ct);
                options.Admission = remote => remote is IPEndPoint ip && !access.Admits(ip.Address) ? "denied (--allow/--deny)" : null;
            }

            var statusEvery = parse.GetValue(status) is { } s ? Durations.Parse(s, "status interval") : (TimeSpan?)null;
            if (statusEvery is { } se && se <= TimeSpan.Zero) throw SockException.Usage("status interval", parse.GetValue(status)!, "must be more than 0");
            var isJson = parse.GetValue(json);
            var fileName = parse.GetValue(dumpFile);
            var dumping = parse.GetValue(dump) || parse.GetValue(hex) || fileName is not null;
            if (parse.GetValue(dump) && parse.GetValue(hex)) throw SockException.Usage("forward", "--dump --hex", "contradictory options (use one)");

            await using var logLines = new LinePrinter(Console.Error, capacity: 4096);
            await using var printer = new LinePrinter(Console.Out, capacity: 4096);
            using var dumpOut = dumping ? new ForwardDump(OpenDump(fileName), parse.GetValue(hex), fileName) : null;
            ForwardLog log = isJson ? new ForwardJsonLog(printer) { Dump = dumpOut } : new ForwardTextLog(logLines, parse.GetValue(verbose)) { Dump = dumpOut };

            var agentPlan = await snmp.PrepareAsync(parse, "forward", ct);
            await using var forwarder = new Forwarder(listen, target, options, log);
            var bound = forwarder.Start();
            log.Listening(forwarder, bound);
            if (forwarder.Certificate is { } certificate) log.Certificate(certificate, temporary: options.ServerTls?.CertFile is null);
            signals.OnStatusSignal(() => log.Status(forwarder.Sessions));
            var started = DateTimeOffset.UtcNow;
            await using var panel = parse.GetValue(ui) ? StatusEndpoint.Start("forward", () => ServerPanel.OfForwarder("forward", started, forwarder)) : null;
            string[] listening = [$"{listen.Scheme.ToString().ToLowerInvariant()} {Sock.Core.Endpoints.EndpointText.Format(bound)}"];
            await using var agent = await AgentCli.StartAsync(agentPlan, "forward", () =>
            {
                var sessions = forwarder.Sessions;
                return new Sock.Core.Snmp.SockServerStatus
                {
                    Command = "forward", Started = started, Accepted = forwarder.TotalOpened, Open = sessions.Count, Refused = forwarder.TotalRefused,
                    BytesIn = forwarder.TotalBytesToTarget, BytesOut = forwarder.TotalBytesToClient, Listening = listening,
                    Connections = [.. sessions.Select(s => s.ClientRecord).OfType<Sock.Core.Connections.SocketRecord>()],
                };
            }, TraceWriter.FromOptions(parse));
            var timer = statusEvery is { } every ? new Timer(_ => log.Status(forwarder.Sessions), null, every, every) : null;
            try
            {
                await Task.Delay(Timeout.Infinite, signals.Stopping);
            }
            catch (OperationCanceledException)
            {
            }
            var open = forwarder.Sessions.Count;
            log.Stopping(open, options.DrainTimeout);
            var forced = await forwarder.StopAsync(options.DrainTimeout);
            if (timer is not null) await timer.DisposeAsync();
            log.Stopped(forwarder, forced);
            await printer.DrainAsync(TimeSpan.FromSeconds(2));
            await logLines.DrainAsync(TimeSpan.FromSeconds(2));
            return ExitCodes.Success;
        });
        return command;
    }

    private static TextWriter OpenDump(string? fileName)
    {
        if (fileName is null) return Console.Error;
        try
        {
            return new StreamWriter(new FileStream(fileName, FileMode.Create, FileAccess.Write, FileShare.Read), new System.Text.UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("--dump-file", fileName, FileErrorText.Describe(ex, fileName, "cannot be written"));
        }
    }

    private static int NonNegative(int? value, string what) => value switch
    {
        null => 0,
        < 0 => throw SockException.Usage(what, value.Value.ToString(CultureInfo.InvariantCulture), "must be 0 or more"),
        _ => value.Value,
    };

    private static int? Positive(int? value, string what) => value switch
    {
        null => null,
        <= 0 => throw SockException.Usage(what, value.Value.ToString(CultureInfo.InvariantCulture), "must be more than 0"),
        _ => value,
    };
}
