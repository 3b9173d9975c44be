using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Cli.Ui;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Proxies;
using Sock.Core.Serving;

namespace Sock.Cli.Commands;

/// <summary>sock proxy: a SOCKS5, SOCKS4/4a and HTTP proxy server on one port.</summary>
internal static class ProxyCommand
{
    private static readonly Argument<string[]> Addresses = new("ADDRESS")
    {
        Description = "[ADDR:]PORT to listen on (default 127.0.0.1:1080; ADDR 0.0.0.0 or [::] for every address); several allowed",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Command Create()
    {
        var unix = new Option<string[]>("--unix", "-U") { HelpName = "PATH", Description = "Listen on a Unix stream socket at PATH too (or only, without ADDRESS)" };
        var users = new Option<string?>("--users") { HelpName = "FILE", Description = "Require a user: FILE holds user:password lines (SOCKS5 username/password, HTTP Basic; SOCKS4 is then refused)" };
        var digest = new Option<bool>("--http-digest") { Description = "With --users, offer HTTP Digest authentication (RFC 7616, SHA-256 and MD5) beside Basic" };
        var allow = new Option<string[]>("--allow") { HelpName = "HOSTS", Description = "Only these client addresses or CIDR ranges may connect (comma-separated, repeatable)" };
        var deny = new Option<string[]>("--deny") { HelpName = "HOSTS", Description = "These client addresses or CIDR ranges may not connect (deny wins over --allow)" };
        var allowDest = new Option<string[]>("--allow-dest") { HelpName = "PATTERN", Description = "Destinations the proxy may connect to: address, CIDR, host name, *.domain, with :PORT or :LOW-HIGH (comma-separated, repeatable)" };
        var denyDest = new Option<string[]>("--deny-dest") { HelpName = "PATTERN", Description = "Destinations the proxy refuses; --allow-dest and --deny-dest are tried in the order given, the first match decides" };
        var destDefault = new Option<string?>("--dest-default") { HelpName = "allow|deny", Description = "What a destination no rule matches gets (default: deny when there is an --allow-dest, allow otherwise)" };
        var protocols = new Option<string?>("--protocols") { HelpName = "LIST", Description = "The protocols served: socks5, socks4, http (comma-separated; default all three)" };
        var noUdp = new Option<bool>("--no-udp") { Description = "Refuse SOCKS5 UDP ASSOCIATE (reply 7)" };
        var handshake = new Option<string?>("--handshake-timeout") { HelpName = "TIME", Description = "How long a client may take to send a complete request (default 10s); then the protocol's error reply and a close" };
        var connectTimeout = new Option<string?>("--connect-timeout", "-w") { HelpName = "TIME", Description = "How long connecting to a destination address may take (default 10s)" };
        var noDns = new Option<bool>("-n", "--nodns") { Description = "Resolve no destination names: only addresses are accepted" };
        var status = new Option<string?>("--status") { HelpName = "SECS", Description = "Print the session table every SECS seconds (and on SIGUSR1): to stderr, or with --json a status event on stdout" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each session when it ends: client, protocol, user, destination, bytes each way, duration, outcome" };
        var maxConns = new Option<int?>("--max-conns") { HelpName = "N", Description = "Most clients at once; more are closed at accept (default: no limit)" };
        var idle = new Option<string?>("--idle-timeout", "-i") { HelpName = "TIME", Description = "Close a client connection idle this long" };
        var drain = new Option<string?>("--drain") { HelpName = "TIME", Description = "On SIGINT/SIGTERM, how long open sessions may finish before they are closed (default 5s)" };
        var noSplice = new Option<bool>("--no-splice") { Description = "Copy every session through user space (default on Linux: once the handshake is done, the two sockets are spliced in the kernel, splice(2))" };
        var ioThreads = new Option<int?>("--io-threads") { HelpName = "N", Description = "Threads of the epoll transport for client connections (Linux; 0: .NET's socket engine)" };
        var json = GlobalOptions.Json();
        var ui = StatusEndpoint.Option();
        var snmp = new AgentCli();
        json.Description = "Print every event as one JSON object per line on stdout (NDJSON): listening, session, rejected, status, stopping, stopped";
        var command = new Command("proxy", """
            Run a SOCKS5, SOCKS4/4a and HTTP proxy server on one port.

            One port serves SOCKS5 (RFC 1928: CONNECT and UDP ASSOCIATE, username/password per RFC 1929), SOCKS4 and 4a, and
            HTTP (CONNECT tunnels, and GET/POST… with an absolute URI forwarded): the client's first byte tells which. It
            listens on 127.0.0.1:1080 unless told otherwise: serving other machines is a choice (0.0.0.0:1080, [::]:1080),
            best made with --users and destination rules. The proxy never connects to itself (its own listening addresses).
            A malformed, unsupported or too slow handshake gets its protocol's error reply (SOCKS5 reply 1/7/8, SOCKS4 91,
            HTTP 400/407/408/431) and a close. SIGINT/SIGTERM stop accepting, let sessions finish within --drain, exit 0.

            Examples:
              sock proxy                                        SOCKS5/4/HTTP on 127.0.0.1:1080
              curl --socks5-hostname 127.0.0.1:1080 http://example.org/
              curl -x http://127.0.0.1:1080 https://example.org/
              sock proxy 0.0.0.0:1080 --users users.txt -v       users.txt: one user:password a line
              sock proxy 1080 --deny-dest 10.0.0.0/8 --deny-dest 192.168.0.0/16
              sock proxy 1080 --allow-dest '*.example.org:443'  nothing else
              sock proxy 1080 --status 10 --json
            """)
        {
            Addresses, unix, users, digest, allow, deny, allowDest, denyDest, destDefault, protocols, noUdp, handshake, connectTimeout, noDns,
            status, verbose, maxConns, idle, drain, ioThreads, noSplice, json, ui,
        };
        snmp.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            // Registered first, as serve does: a signal just after the listening line starts the drain, not an abrupt end.
            using var signals = ServerSignals.Register(ct);

            var endpoints = new List<EndPoint>();
            foreach (var a in parse.GetValue(Addresses) ?? []) endpoints.Add(ParseListen(a));
            foreach (var p in parse.GetValue(unix) ?? [])
            {
                Sock.Core.Sockets.UnixSocketFile.PrepareForBind(p);
                endpoints.Add(EndpointText.UnixEndPoint(p, "--unix"));
            }
            if (endpoints.Count == 0) endpoints.Add(new IPEndPoint(IPAddress.Loopback, 1080));

            var (socks5, socks4, http) = Protocols(parse.GetValue(protocols));
            var proxyUsers = parse.GetValue(users) is { } file ? ProxyUsers.Load(file) : null;
            if (parse.GetValue(digest) && proxyUsers is null) throw SockException.Usage("--http-digest", "--http-digest", "needs --users (there is nobody to check)");
            bool? defaultAllow = parse.GetValue(destDefault) switch
            {
                null => null,
                "allow" => true,
                "deny" => false,
                var other => throw SockException.Usage("--dest-default", other, "must be allow or deny"),
            };
            var server = new ServerOptions
            {
                MaxConnections = parse.GetValue(maxConns) ?? 0,
                IdleTimeout = parse.GetValue(idle) is { } i ? Durations.ParsePositive(i, "idle timeout") : null,
                DrainTimeout = parse.GetValue(drain) is { } d ? Durations.ParseNonNegative(d, "drain") : ServerOptions.DefaultDrainTimeout,
            };
            if (server.MaxConnections < 0) throw SockException.Usage("max-conns", server.MaxConnections.ToString(CultureInfo.InvariantCulture), "must be 0 or more");
            if (parse.GetValue(ioThreads) is { } threads)
            {
                if (threads is < 0 or > 1024) throw SockException.Usage("io-threads", threads.ToString(CultureInfo.InvariantCulture), "must be 0 to 1024");
                server.IoThreads = threads;
            }
            var options = new ProxyServerOptions
            {
                Socks5 = socks5,
                Socks4 = socks4,
                Http = http,
                UdpAssociate = !parse.GetValue(noUdp),
                Users = proxyUsers,
                HttpDigest = parse.GetValue(digest),
                Destinations = DestinationRules.Create(DestinationRulesInOrder(parse), defaultAllow),
                HandshakeTimeout = parse.GetValue(handshake) is { } h ? Durations.ParsePositive(h, "handshake timeout") : ProxyServerOptions.DefaultHandshakeTimeout,
                ConnectTimeout = parse.GetValue(connectTimeout) is { } w ? Durations.ParsePositive(w, "connect timeout") : ProxyServerOptions.DefaultConnectTimeout,
                NoDns = parse.GetValue(noDns),
                Server = server,
                Trace = TraceWriter.FromOptions(parse),
                Splice = !parse.GetValue(noSplice),
            };
            var statusEvery = parse.GetValue(status) is { } s ? Durations.ParsePositive(s, "status interval") : (TimeSpan?)null;
            var access = await AccessList.CreateAsync(
                (parse.GetValue(allow) ?? []).SelectMany(ListenCommand.Split), (parse.GetValue(deny) ?? []).SelectMany(ListenCommand.Split), options.NoDns, ct);
            AdmissionFilter? admit = access.Empty ? null : remote =>
                remote is not IPEndPoint ip || access.Admits(ip.Address) ? null : "not allowed by --allow/--deny";

            var isJson = parse.GetValue(json);
            var isVerbose = parse.GetValue(verbose);
            await using var errorLines = new LinePrinter(Console.Error, capacity: 4096);
            await using var outputLines = new LinePrinter(Console.Out, capacity: 4096);
            IProxyLog log = isJson ? new ProxyJsonLog(outputLines, isVerbose) : new ProxyLog(errorLines, isVerbose);

            var agentPlan = await snmp.PrepareAsync(parse, "proxy", ct);
            await using var proxy = ProxyServer.Bind(endpoints, options, log, admit);
            signals.OnStatusSignal(() => log.Status(proxy.Sessions));
            var started = DateTimeOffset.UtcNow;
            await using var panel = parse.GetValue(ui) ? StatusEndpoint.Start("proxy", () => ServerPanel.OfProxy("proxy", started, proxy.Sessions)) : null;
            var engine = proxy.Server;
            await using var agent = await AgentCli.StartAsync(agentPlan, "proxy", () => new Sock.Core.Snmp.SockServerStatus
            {
                Command = "proxy", Started = started, Accepted = engine.TotalAccepted, Open = engine.ActiveConnections, Refused = engine.TotalRejected,
                BytesIn = engine.TotalBytesIn, BytesOut = engine.TotalBytesOut, Listening = AgentCli.Listening(engine.Sockets), Connections = engine.Connections,
            }, TraceWriter.FromOptions(parse));
            var timer = statusEvery is { } every ? new Timer(_ => log.Status(proxy.Sessions), null, every, every) : null;
            var forced = await proxy.RunAsync(signals.Stopping);
            if (timer is not null) await timer.DisposeAsync();
            log.Stopped(forced);
            await outputLines.DrainAsync(server.DrainTimeout);
            await errorLines.DrainAsync(server.DrainTimeout);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>[ADDR:]PORT: a bare port listens on 127.0.0.1 (a proxy open to every network is a decision, not a default).</summary>
    internal static IPEndPoint ParseListen(string text)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit)) return new IPEndPoint(IPAddress.Loopback, Ports.Parse(text, "port", allowZero: true));
        var (host, port) = EndpointText.Split(text);
        if (port is null) throw SockException.Usage("proxy", text, "expected [ADDR:]PORT (write [::1]:1080 for IPv6)");
        var address = host is "" or "*" ? IPAddress.Any : EndpointText.ParseAddress(EndpointText.Unbracket(host), "listen address");
        return new IPEndPoint(address, Ports.Parse(port, "port", allowZero: true));
    }

    private static (bool, bool, bool) Protocols(string? list)
    {
        if (list is null) return (true, true, true);
        bool s5 = false, s4 = false, http = false;
        foreach (var p in ListenCommand.Split(list))
        {
            switch (p.ToLowerInvariant())
            {
                case "socks5": s5 = true; break;
                case "socks4": case "socks4a": s4 = true; break;
                case "http": http = true; break;
                default: throw SockException.Usage("--protocols", p, "must be socks5, socks4 or http");
            }
        }
        if (!(s5 || s4 || http)) throw SockException.Usage("--protocols", list, "names no protocol");
        return (s5, s4, http);
    }

    /// <summary>--allow-dest and --deny-dest in the order they were written: the first rule that matches decides.</summary>
    private static IEnumerable<DestinationRule> DestinationRulesInOrder(ParseResult parse)
    {
        var tokens = parse.Tokens;
        var rules = new List<DestinationRule>();
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            var t = tokens[i];
            if (t.Type != System.CommandLine.Parsing.TokenType.Option || t.Value is not ("--allow-dest" or "--deny-dest")) continue;
            foreach (var pattern in ListenCommand.Split(tokens[i + 1].Value)) rules.Add(DestinationRule.Parse(t.Value == "--allow-dest", pattern));
        }
        return rules;
    }
}
