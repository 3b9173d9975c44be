using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Serving;
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
        var users = new Option<string>("--users") { Description = "SNMPv3 users: a file of net-snmp createUser and rouser lines (see below)", HelpName = "FILE" };
        var engineId = new Option<string>("--engine-id") { Description = "The SNMPv3 engine ID in hex (5–32 bytes; default: a new random one each run)", HelpName = "HEX" };
        var allow = new Option<string[]>("--allow") { Description = "Only these addresses or CIDR ranges are answered (comma-separated, repeatable)", HelpName = "HOSTS" };
        var cache = new Option<string>("--cache") { Description = "How long a snapshot of the tables is served before it is read again", DefaultValueFactory = _ => "1s", HelpName = "TIME" };
        var maxSize = new Option<int>("--max-size") { Description = "The largest response in bytes (484–65507); larger GETBULK answers are trimmed, others answered tooBig", DefaultValueFactory = _ => SnmpAgentOptions.DefaultMaxMessageSize, HelpName = "BYTES" };
        var contact = new Option<string>("--contact") { Description = "sysContact", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var location = new Option<string>("--location") { Description = "sysLocation", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each request on stdout: peer, version, PDU, OIDs, outcome" };
        var json = new Option<bool>("--json") { Description = "Log each request as one JSON object per line (NDJSON) on stdout" };
        var command = new Command("agent", """
            An SNMP agent serving this machine's socket table to any manager (net-snmp, Zabbix, LibreNMS…).

            Answers SNMPv1, SNMPv2c and SNMPv3 Get, GetNext and GetBulk over UDP (IPv4 and IPv6) with: SNMPv2-MIB's system and
            snmp groups, IF-MIB ifTable and ifXTable, TCP-MIB (tcpConnectionTable and tcpListenerTable with the owning
            process's PID, tcpConnTable, the counters), UDP-MIB (udpEndpointTable with the owning PID, the counters) and
            HOST-RESOURCES-MIB's hrSWRunTable (PID to name). The tables come from the same code as sock stat, read in one
            go and kept for --cache, so a walk sees one snapshot. Read-only: a Set is answered notWritable. Requests
            with an unknown community, from peers not allowed, or malformed are dropped and counted (snmp group).

            SNMPv3 (USM: RFC 3414, RFC 7860, RFC 3826) answers the users in --users FILE, net-snmp's snmpd.conf lines:
              createUser NAME [MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 AUTHPASS [AES [PRIVPASS]]]
              rouser NAME [noauth|auth|priv]
            Passwords have at least 8 characters; PRIVPASS defaults to AUTHPASS. A user reads at authNoPriv and above
            (any level without a password) unless rouser says otherwise. DES is not offered. Each run is a new engine
            (a random engine ID, or --engine-id; engineBoots 1). A failure is answered with USM's Report and counted
            (usmStats: unknown engine ID, unknown user, wrong digest, not in time window, decryption error).

            Examples:
              sock agent --community public --port 1161
              snmpwalk -v2c -c public 127.0.0.1:1161 TCP-MIB::tcpListenerProcess
              sock agent -c monitor --allow 10.0.0.0/8 -v
              sock agent -c public --bind 127.0.0.1 --bind ::1 --port 0 --json
              sock agent --users users.conf --port 1161
              snmpwalk -v3 -u alice -l authPriv -a SHA-256 -A 'auth pass' -x AES -X 'priv pass' 127.0.0.1:1161 system
            """)
        {
            port, bind, community, users, engineId, allow, cache, maxSize, contact, location, verbose, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var signals = ServerSignals.Register(ct);

            var communities = (parse.GetValue(community) ?? []).ToList();
            var usersPath = parse.GetValue(users);
            if (communities.Count == 0 && usersPath is null)
                throw SockException.Usage("agent", "--community", "nothing to answer: give --community NAME (there is no default \"public\") or --users FILE");
            IReadOnlyList<UsmUser> v3Users = [];
            if (usersPath is not null)
            {
                string text;
                try { text = await File.ReadAllTextAsync(usersPath, ct); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw SockException.Usage("--users", usersPath, ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex is UnauthorizedAccessException ? "permission denied" : "cannot be read");
                }
                v3Users = UsmUserFile.Parse(text, usersPath);
                if (v3Users.Count == 0) throw SockException.Usage("--users", usersPath, "no createUser line in it");
            }
            byte[]? fixedEngine = null;
            if (parse.GetValue(engineId) is { } engineText && !SnmpEngineId.TryParse(engineText, out fixedEngine, out var engineWhy))
                throw SockException.Usage("--engine-id", engineText, engineWhy);
            if (communities.Any(c => c.Length == 0))
                throw SockException.Usage("agent", "--community", "a community cannot be empty");
            var p = Ports.Parse(parse.GetValue(port)!, "port", allowZero: true);
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
                Users = v3Users,
                EngineId = fixedEngine,
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
            await using var server = new SocketServer(new ServerOptions { MaxLineLength = 65507 }, TraceWriter.FromOptions(parse));
            ValueTask Serve(ReceivedDatagram d)
            {
                var reply = agent.Handle(d.Payload, d.Remote);
                return reply is null ? ValueTask.CompletedTask : d.ReplyAsync(reply);
            }
            var binds = parse.GetValue(bind) ?? [];
            var bound = new List<EndPoint>();
            if (binds.Length == 0)
            {
                var dual = Socket.OSSupportsIPv6;
                bound.Add(server.ListenDatagram("snmp", new IPEndPoint(dual ? IPAddress.IPv6Any : IPAddress.Any, p), Serve, dual));
            }
            else
                foreach (var b in binds)
                    bound.Add(server.ListenDatagram("snmp", new IPEndPoint(EndpointText.ParseAddress(EndpointText.Unbracket(b), "bind address"), p), Serve));
            // The first snapshot is read before the first request, so that one is not kept waiting for a whole /proc scan.
            agent.View();
            if (v3Users.Count > 0)
                Console.Error.WriteLine($"sock agent: SNMPv3 engine ID {SnmpEngineId.Format(agent.EngineId.Span)}, boots {agent.EngineBoots}, {v3Users.Count} user{(v3Users.Count == 1 ? "" : "s")}");
            foreach (var e in bound) Console.Error.WriteLine($"serving snmp (RFC 3416) on udp {EndpointText.Format(e)}");
            server.Start();
            try { await Task.Delay(Timeout.Infinite, signals.Stopping); }
            catch (OperationCanceledException) { }
            await server.StopAsync(TimeSpan.Zero);
            var c = agent.Counters;
            Console.Error.WriteLine($"sock agent: {c.InPackets} requests, {c.OutPackets} answered, {c.BadCommunity} unknown community, {c.Malformed} malformed, {c.NotAllowed} not allowed, {c.TooBig} tooBig{(v3Users.Count > 0 ? $", v3: {c.UnknownEngineId} unknown engine ID, {c.UnknownUserName} unknown user, {c.WrongDigest} wrong digest, {c.NotInTimeWindow} not in time window, {c.DecryptionError} decryption errors, {c.UnsupportedSecLevel} unsupported level" : "")}{(log is { Dropped: > 0 and var dropped } ? $", {dropped} log lines dropped" : "")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
