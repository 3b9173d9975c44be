using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Serving;
using Sock.Core.Sockets;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>sock agent: an SNMP agent serving this machine's socket table (TCP-MIB, UDP-MIB) and what goes with it.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var port = new Option<string>("--port", "-p") { Description = "The UDP port to serve on (0: any free port)", DefaultValueFactory = _ => "161", HelpName = "PORT" };
        var bind = new Option<string[]>("--bind", "-B") { Description = "Serve on this address (repeatable; default every IPv4 and IPv6 address)", HelpName = "ADDRESS" };
        var community = new Option<string[]>("--community", "-c") { Description = "A read-only community that may ask (repeatable; there is no default)", HelpName = "NAME" };
        var tcp = new Option<bool>("--tcp") { Description = "Serve over TCP too (RFC 3430), on the same port and addresses as UDP" };
        var rwcommunity = new Option<string[]>("--rwcommunity") { Description = "A read-write community: reads, and may Set sysContact.0, sysName.0, sysLocation.0 (repeatable)", HelpName = "NAME" };
        var trapTo = new Option<string[]>("--trap-to") { Description = "Send a coldStart notification here at start (repeatable; port 162 when not given)", HelpName = "HOST:PORT" };
        var inform = new Option<bool>("--inform") { Description = "Send the coldStart as an InformRequest, sent again per -t/-r until acknowledged (snmpd's informsink)" };
        var trapCommunity = new Option<string>("--trap-community") { Description = "The community of the v2c coldStart (default: the first --community, else --rwcommunity)", HelpName = "NAME" };
        var trapUser = new Option<string>("--trap-user") { Description = "Send the coldStart with SNMPv3 as this user of --users (default: v2c with the first community)", HelpName = "USER" };
        var notifyTimeout = new Option<string>("--timeout", "-t") { Description = "How long to wait for an inform's acknowledgement before sending it again", DefaultValueFactory = _ => "1", HelpName = "TIME" };
        var notifyRetries = new Option<int>("--retries", "-r") { Description = "How many times an unacknowledged inform is sent again", DefaultValueFactory = _ => 5, HelpName = "N" };
        var users = new Option<string>("--users") { Description = "SNMPv3 users: a file of net-snmp createUser and rouser lines (see below)", HelpName = "FILE" };
        var engineId = new Option<string>("--engine-id") { Description = "The SNMPv3 engine ID in hex (5–32 bytes; default: a new random one each run)", HelpName = "HEX" };
        var bootsFile = new Option<string>("--engine-boots-file") { Description = "Keep the SNMPv3 engine across runs in FILE, as snmpd does: its engine ID, and engineBoots one more at each start (default with --users on a fixed port: agent-PORT.conf in $XDG_STATE_HOME/sock)", HelpName = "FILE" };
        var newEngine = new Option<bool>("--new-engine") { Description = "Keep no engine state: a new engine ID (or --engine-id) and engineBoots 1, nothing read or written" };
        var allow = new Option<string[]>("--allow") { Description = "Only these addresses or CIDR ranges are answered (comma-separated, repeatable)", HelpName = "HOSTS" };
        var cache = new Option<string>("--cache") { Description = "How long a snapshot of the tables is served before it is read again", DefaultValueFactory = _ => "1s", HelpName = "TIME" };
        var maxSize = new Option<int>("--max-size") { Description = "The largest response in bytes (484–65507); larger GETBULK answers are trimmed, others answered tooBig", DefaultValueFactory = _ => SnmpAgentOptions.DefaultMaxMessageSize, HelpName = "BYTES" };
        var contact = new Option<string>("--contact") { Description = "sysContact", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var location = new Option<string>("--location") { Description = "sysLocation", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each request on stdout: peer, version, PDU, OIDs, outcome" };
        var json = new Option<bool>("--json") { Description = "Log each request as one JSON object per line (NDJSON) on stdout" };
        var ui = Sock.Cli.Ui.StatusEndpoint.Option();
        var command = new Command("agent", """
            An SNMP agent serving this machine's socket table to any manager (net-snmp, Zabbix, LibreNMS…).

            Answers SNMPv1, SNMPv2c and SNMPv3 Get, GetNext, GetBulk and Set over UDP (IPv4 and IPv6), and over TCP with --tcp
            (RFC 3430: messages framed by their BER length; a frame that cannot be read closes the connection), with: SNMPv2-MIB's system and
            snmp groups, IF-MIB ifTable and ifXTable, TCP-MIB (tcpConnectionTable and tcpListenerTable with the owning
            process's PID, tcpConnTable, the counters), UDP-MIB (udpEndpointTable with the owning PID, the counters) and
            HOST-RESOURCES-MIB's hrSWRunTable (PID to name). The tables come from the same code as sock stat, read in one
            go and kept for --cache, so a walk sees one snapshot. Requests with an unknown community, from peers not
            allowed, or malformed are dropped and counted (snmp group).

            Set: a --rwcommunity (or an rwuser of --users) may set sysContact.0, sysName.0 and sysLocation.0 (not the
            ones --contact/--location fix), DisplayStrings up to 255 bytes; all of a Set's varbinds or none. Anything else
            is notWritable, a read-only community gets noAccess (noSuchName and badValue in SNMPv1), as from snmpd.

            Notifications: --trap-to HOST:PORT sends a coldStart SNMPv2-Trap at start (v2c with --trap-community, by
            default the first community),
            --inform makes it an InformRequest sent again per -t/-r until acknowledged, --trap-user USER sends it with
            SNMPv3 as that user of --users at its highest level (a trap from this agent's engine ID: the receiver needs
            createUser -e ENGINEID, as snmptrapd's; an inform discovers the receiver's engine).

            SNMPv3 (USM: RFC 3414, RFC 7860, RFC 3826) answers the users in --users FILE, net-snmp's snmpd.conf lines:
              createUser NAME [MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 AUTHPASS [AES [PRIVPASS]]]
              rouser NAME [noauth|auth|priv]
              rwuser NAME [noauth|auth|priv]
            Passwords have at least 8 characters; PRIVPASS defaults to AUTHPASS. A user reads at authNoPriv and above
            (any level without a password) unless rouser says otherwise. DES is not offered. Each run is a new engine
            keeps its engine ID and counts engineBoots up at each start, as snmpd's persistent file does: in
            --engine-boots-file FILE, by default in agent-PORT.conf in $XDG_STATE_HOME/sock (~/.local/state/sock) when
            the port is fixed; --new-engine (and port 0) makes each run a new engine (a random ID, or --engine-id; boots 1). A failure is answered with USM's Report and counted
            (usmStats: unknown engine ID, unknown user, wrong digest, not in time window, decryption error).

            Examples:
              sock agent --community public --port 1161
              snmpwalk -v2c -c public 127.0.0.1:1161 TCP-MIB::tcpListenerProcess
              sock agent -c monitor --allow 10.0.0.0/8 -v
              sock agent -c public --bind 127.0.0.1 --bind ::1 --port 0 --json
              sock agent --users users.conf --port 1161
              sock agent -c public --rwcommunity private --trap-to 127.0.0.1:162 --inform
              snmpwalk -v3 -u alice -l authPriv -a SHA-256 -A 'auth pass' -x AES -X 'priv pass' 127.0.0.1:1161 system
            """)
        {
            port, bind, tcp, community, rwcommunity, trapTo, inform, trapCommunity, trapUser, notifyTimeout, notifyRetries, users, engineId, bootsFile, newEngine, allow, cache, maxSize, contact, location, verbose, json, ui,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var signals = ServerSignals.Register(ct);

            var communities = (parse.GetValue(community) ?? []).ToList();
            var writers = (parse.GetValue(rwcommunity) ?? []).ToList();
            var usersPath = parse.GetValue(users);
            if (communities.Count == 0 && writers.Count == 0 && usersPath is null)
                throw SockException.Usage("agent", "--community", "nothing to answer: give --community NAME (there is no default \"public\") or --users FILE");
            IReadOnlyList<UsmUser> v3Users = [];
            if (usersPath is not null) v3Users = await AgentCli.ReadUsersAsync(usersPath, "--users", ct);
            byte[]? fixedEngine = null;
            if (parse.GetValue(engineId) is { } engineText && !SnmpEngineId.TryParse(engineText, out fixedEngine, out var engineWhy))
                throw SockException.Usage("--engine-id", engineText, engineWhy);
            if (communities.Any(c => c.Length == 0))
                throw SockException.Usage("agent", "--community", "a community cannot be empty");
            var boots = 1;
            var fresh = parse.GetValue(newEngine);
            string? stateWarning = null;
            if (parse.GetValue(bootsFile) is { } statePath)
            {
                if (fresh) throw SockException.Usage("agent", "--new-engine", "keeps no state, --engine-boots-file keeps it: give one of them");
                (fixedEngine, boots) = AgentEngineState.Advance(statePath, fixedEngine);
            }
            if (writers.Any(c => c.Length == 0))
                throw SockException.Usage("agent", "--rwcommunity", "a community cannot be empty");
            // The notifications are checked before anything is bound.
            var trapTargets = new List<SnmpTarget>();
            foreach (var t in parse.GetValue(trapTo) ?? [])
            {
                var found = await SnmpTarget.ParseAsync(t, 162, ct);
                if (found.Count != 1) throw SockException.Usage("--trap-to", t, "give one receiver, not a range");
                trapTargets.Add(found[0]);
            }
            var informOn = parse.GetValue(inform);
            var trapUserName = parse.GetValue(trapUser);
            var trapCommunityName = parse.GetValue(trapCommunity);
            if (trapTargets.Count == 0 && (informOn || trapUserName is not null || trapCommunityName is not null))
                throw SockException.Usage("agent", informOn ? "--inform" : trapUserName is not null ? "--trap-user" : "--trap-community", "applies to --trap-to only");
            if (trapUserName is not null && trapCommunityName is not null)
                throw SockException.Usage("agent", "--trap-community", "a v3 notification (--trap-user) has no community");
            if (trapCommunityName is { Length: 0 }) throw SockException.Usage("agent", "--trap-community", "a community cannot be empty");
            var waitInform = Durations.Parse(parse.GetValue(notifyTimeout)!, "timeout");
            if (waitInform <= TimeSpan.Zero) throw SockException.Usage("timeout", parse.GetValue(notifyTimeout)!, "must be more than 0");
            var informRetries = parse.GetValue(notifyRetries);
            if (informRetries < 0) throw SockException.Usage("retries", informRetries.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
            UsmUser? notifyUser = null;
            if (trapUserName is not null)
            {
                notifyUser = v3Users.FirstOrDefault(u => u.Name == trapUserName)
                    ?? throw SockException.Usage("--trap-user", trapUserName, usersPath is null ? "needs --users FILE with that user" : $"no createUser line for it in {usersPath}");
            }
            else if (trapTargets.Count > 0 && communities.Count + writers.Count == 0 && trapCommunityName is null)
                notifyUser = v3Users[0]; // only v3 users: the first one sends it
            var p = Ports.Parse(parse.GetValue(port)!, "port", allowZero: true);
            // snmpd keeps its engine by default; so does an agent with v3 users on a fixed port (only v3 sees the engine).
            var statePlace = parse.GetValue(bootsFile);
            if (statePlace is null && !fresh && v3Users.Count > 0 && AgentEngineState.DefaultPath(p) is { } defaultPath)
            {
                (fixedEngine, boots, stateWarning) = AgentEngineState.AdvanceDefault(defaultPath, fixedEngine);
                if (stateWarning is null) statePlace = defaultPath;
            }
            var size = parse.GetValue(maxSize);
            if (size is < 484 or > 65507)
                throw SockException.Usage("max-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 484 to 65507 (RFC 3417's minimum to UDP's maximum)");
            var cacheTime = Durations.Parse(parse.GetValue(cache)!, "cache");
            var allowList = parse.GetValue(allow) ?? [];
            var access = allowList.Length == 0 ? null
                : await AccessList.CreateAsync(allowList.SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), [], noDns: false, signals.Stopping);
            var agent = new SnmpAgent(new SnmpAgentOptions
            {
                Communities = communities,
                WriteCommunities = writers,
                Users = v3Users,
                EngineId = fixedEngine,
                EngineBoots = boots,
                Admit = access is null ? null : access.Admits,
                Cache = cacheTime,
                MaxMessageSize = size,
                Contact = parse.GetValue(contact) ?? "",
                Location = parse.GetValue(location) ?? "",
            });
            await using var printer = new LinePrinter(Console.Out, capacity: 4096);
            // No log without -v or --json: the agent then formats nothing.
            AgentLog? log = parse.GetValue(json) ? new AgentJsonLog(printer) : parse.GetValue(verbose) ? new AgentTextLog(printer) : null;
            if (log is not null) agent.Log = log.Render;

            // Datagrams of any size UDP can carry are read whole, so an oversized request is parsed, not truncated.
            await using var server = new SocketServer(new ServerOptions { MaxLineLength = 65507, DatagramThreads = true }, TraceWriter.FromOptions(parse));
            ValueTask Serve(ReceivedDatagram d)
            {
                var reply = agent.Handle(d.Payload, d.Remote);
                return reply is null ? ValueTask.CompletedTask : d.ReplyAsync(reply);
            }
            var binds = parse.GetValue(bind) ?? [];
            var tcpOn = parse.GetValue(tcp);
            var bound = new List<EndPoint>();
            var streams = new List<EndPoint>();
            var dual = binds.Length == 0 && Socket.OSSupportsIPv6;
            var endpoints = binds.Length == 0
                ? [new IPEndPoint(dual ? IPAddress.IPv6Any : IPAddress.Any, p)]
                : binds.Select(b => new IPEndPoint(EndpointText.ParseAddress(EndpointText.Unbracket(b), "bind address"), p)).ToList();
            foreach (var e in endpoints)
            {
                if (!tcpOn)
                {
                    bound.Add(server.ListenDatagram("snmp", e, Serve, dual));
                    continue;
                }
                // RFC 3430: the same port over TCP, each connection on the engine's stream server. With port 0 the port
                // must be free for both: the pair is opened together (another port tried when UDP's is taken).
                var settings = new ListenSettings(dual, server.Options.ReusePort, server.Options.Backlog);
                var (stream, datagram) = SocketBinder.OpenOnOnePort(e, settings, server.Trace);
                bound.Add(server.ListenDatagramOn("snmp", datagram, Serve));
                streams.Add(server.ListenOn("snmp", stream, agent.ServeAsync));
            }
            // The first snapshot is read before the first request, so that one is not kept waiting for a whole /proc scan.
            agent.View();
            if (stateWarning is not null) Console.Error.WriteLine($"sock agent: warning: the engine is not kept ({stateWarning}): this run is a new engine");
            if (v3Users.Count > 0)
                Console.Error.WriteLine($"sock agent: SNMPv3 engine ID {SnmpEngineId.Format(agent.EngineId.Span)}, boots {agent.EngineBoots}{(statePlace is null ? "" : $" (kept in {statePlace})")}, {v3Users.Count} user{(v3Users.Count == 1 ? "" : "s")}");
            foreach (var e in bound) Console.Error.WriteLine($"serving snmp (RFC 3416) on udp {EndpointText.Format(e)}");
            foreach (var e in streams) Console.Error.WriteLine($"serving snmp (RFC 3430) on tcp {EndpointText.Format(e)}");
            server.Start();
            var started = DateTimeOffset.UtcNow;
            List<(string, string)> serving = [.. bound.Select(e => ("udp", EndpointText.Format(e))), .. streams.Select(e => ("tcp", EndpointText.Format(e)))];
            await using var panel = parse.GetValue(ui) ? Sock.Cli.Ui.StatusEndpoint.Start("agent", () => Sock.Cli.Ui.ServerPanel.OfAgent("agent", started, agent.Counters, serving)) : null;
            // snmpd sends its coldStart once it serves; an inform keeps trying in the background while the agent answers.
            var notifications = trapTargets.Select(t => NotifyAsync(agent, t, informOn, notifyUser, trapCommunityName ?? communities.Concat(writers).FirstOrDefault() ?? "",
                waitInform, informRetries, TraceWriter.FromOptions(parse), signals.Stopping)).ToList();
            try { await Task.Delay(Timeout.Infinite, signals.Stopping); }
            catch (OperationCanceledException) { }
            await Task.WhenAll(notifications);
            await server.StopAsync(TimeSpan.Zero);
            var c = agent.Counters;
            Console.Error.WriteLine($"sock agent: {c.InPackets} requests, {c.OutPackets} answered, {c.BadCommunity} unknown community, {c.Malformed} malformed, {c.NotAllowed} not allowed, {c.TooBig} tooBig{(streams.Count > 0 ? $", {c.ClosedStreams} tcp connections closed unframeable" : "")}{(v3Users.Count > 0 ? $", v3: {c.UnknownEngineId} unknown engine ID, {c.UnknownUserName} unknown user, {c.WrongDigest} wrong digest, {c.NotInTimeWindow} not in time window, {c.DecryptionError} decryption errors, {c.UnsupportedSecLevel} unsupported level" : "")}{(log is { Dropped: > 0 and var dropped } ? $", {dropped} log lines dropped" : "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    // One coldStart to one receiver, its outcome one line on stderr; a failure is reported, never fatal to the agent.
    private static async Task NotifyAsync(SnmpAgent agent, SnmpTarget target, bool inform, UsmUser? user, string community,
        TimeSpan timeout, int retries, Sock.Core.Tracing.SocketTrace? trace, CancellationToken ct)
    {
        var options = new SnmpClientOptions { Version = user is null ? SnmpVersion.V2c : SnmpVersion.V3, Community = community, Timeout = timeout, Retries = retries };
        if (user is not null)
        {
            options.User = user;
            options.SecurityLevel = user.HighestLevel;
            // A trap comes from this engine (it is authoritative); an inform's receiver is, and is discovered.
            if (!inform) options.EngineId = agent.EngineId.ToArray();
        }
        var kind = inform ? "inform" : "trap";
        var how = user is null ? "v2c" : $"v3 user {user.Name} {UsmNames.Level(options.SecurityLevel)}";
        try
        {
            await using var client = new SnmpClient(target.EndPoint, options, trace);
            var varBinds = SnmpNotification.ColdStart(agent.UpTime);
            if (inform)
            {
                await client.InformAsync(varBinds, ct);
                Console.Error.WriteLine($"sock agent: coldStart inform to {target.Label} acknowledged ({how})");
            }
            else
            {
                await client.SendTrapAsync(varBinds, ct);
                Console.Error.WriteLine($"sock agent: coldStart trap sent to {target.Label} ({how})");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (SockException ex)
        {
            Console.Error.WriteLine($"sock agent: coldStart {kind} to {target.Label} failed: {ex.Reason}");
        }
    }
}
