using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>sock snmp get|getnext|walk|bulkwalk|table: a manager asking one agent or many at once, with net-snmp's options.</summary>
internal static class SnmpCommand
{
    public static Command Create()
    {
        var command = new Command("snmp", """
            Ask SNMP agents, as net-snmp's snmpget/snmpgetnext/snmpwalk/snmpbulkwalk/snmptable/snmpset do — many at once; send notifications as snmptrap/snmpinform.

            HOST is an address or name, HOST:PORT, udp6:[::1]:PORT, tcp:HOST:PORT or tcp6:[::1]:PORT (RFC 3430), or a CIDR range (every address, on port 161). OIDs are
            numbers (1.3.6.1.2.1.6.20) or the names sock knows (sysDescr.0, tcpConnectionState, ifTable, SNMPv2-MIB::sysName.0).
            The arguments are hosts up to the first one that reads as an OID. Output is snmpwalk's, with names for SNMPv2-MIB,
            IF-MIB, TCP-MIB, UDP-MIB and HOST-RESOURCES-MIB objects. Several hosts are asked concurrently (--parallel), each
            host's lines printed together under "# HOST", and a summary line (answered, timed out, refused) goes to stderr.
            SNMPv3 takes net-snmp's options (-u -l -a -A -x -X -e -n): the agent's engine is discovered, its time learnt
            again on a notInTimeWindow report, and a Report is one line in net-snmp's words ("Unknown user name").
            set takes OID TYPE VALUE triples with snmpset's type letters (i u c C t a o s x d n). trap and inform take
            snmptrap's arguments: HOST UPTIME TRAPOID [OID TYPE VALUE]... (UPTIME '' is this machine's uptime); a v3 trap
            is sent from the engine ID given with -e (random otherwise), an inform discovers the receiver's engine.

            Examples:
              sock snmp get -c public 127.0.0.1:1161 sysName.0 sysUpTime.0
              sock snmp walk -c public 127.0.0.1:1161 tcpListenerTable
              sock snmp bulkwalk -v2c -c public -Cr 50 10.0.0.0/29 1.3.6.1.2.1.6.19
              sock snmp table -c public 127.0.0.1:1161 tcpConnectionTable
              sock snmp walk -v 3 -u alice -l authPriv -a SHA-256 -A 'auth pass' -x AES -X 'priv pass' 127.0.0.1:1161 system
              sock snmp set -c private 127.0.0.1:1161 sysContact.0 s 'ops@example.org' sysLocation.0 s 'rack 4'
              sock snmp trap -c public 127.0.0.1:162 '' coldStart
              sock snmp inform -c public 127.0.0.1:162 '' 1.3.6.1.4.1.8072.2.3.0.1 1.3.6.1.2.1.1.5.0 s hello
            """);
        foreach (var verb in new[] { "get", "getnext", "walk", "bulkwalk", "table", "set", "trap", "inform" }) command.Subcommands.Add(Verb(verb));
        return command;
    }

    private static Command Verb(string verb)
    {
        var args = verb switch
        {
            "set" => new Argument<string[]>("HOST... OID TYPE VALUE...") { Arity = ArgumentArity.OneOrMore, Description = "The agents, then what to set: OID, a type letter, the value" },
            "trap" or "inform" => new Argument<string[]>("HOST UPTIME TRAPOID [OID TYPE VALUE]...") { Arity = ArgumentArity.OneOrMore, Description = "The receiver, sysUpTime ('' for this machine's), the notification's OID, its objects" },
            _ => new Argument<string[]>("HOST... OID...") { Arity = ArgumentArity.OneOrMore, Description = "The agents, then the OIDs" },
        };
        var version = new Option<string>("--version", "-v") { Description = "SNMP version: 1, 2c or 3", DefaultValueFactory = _ => "2c", HelpName = "1|2c|3" };
        var community = new Option<string>("--community", "-c") { Description = "The community for v1 and v2c (required: no default, as in net-snmp)", HelpName = "COMMUNITY" };
        var user = new Option<string>("--user", "-u") { Description = "SNMPv3: the user name (securityName)", HelpName = "USER" };
        var level = new Option<string>("--level", "-l") { Description = "SNMPv3: the security level (default noAuthNoPriv)", HelpName = "noAuthNoPriv|authNoPriv|authPriv" };
        var authProtocol = new Option<string>("--auth-protocol", "-a") { Description = "SNMPv3: the authentication protocol (default MD5, as net-snmp's)", HelpName = "MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512" };
        var authPass = new Option<string>("--auth-password", "-A") { Description = "SNMPv3: the authentication password (8 characters at least)", HelpName = "PASS" };
        var privProtocol = new Option<string>("--priv-protocol", "-x") { Description = "SNMPv3: the privacy protocol: AES (AES-128; DES is not offered, so AES is the default)", HelpName = "AES" };
        var privPass = new Option<string>("--priv-password", "-X") { Description = "SNMPv3: the privacy password (8 characters at least)", HelpName = "PASS" };
        var engine = new Option<string>("--engine-id", "-e") { Description = "SNMPv3: the agent's engine ID in hex, known in advance (no discovery)", HelpName = "HEX" };
        var context = new Option<string>("--context", "-n") { Description = "SNMPv3: the context name (default \"\")", HelpName = "CONTEXT" };
        var timeout = new Option<string>("--timeout", "-t") { Description = "Seconds (or 500ms, 2s) to wait for each try", DefaultValueFactory = _ => "1", HelpName = "TIME" };
        var retries = new Option<int>("--retries", "-r") { Description = "Tries after the first", DefaultValueFactory = _ => 5, HelpName = "N" };
        // A string, so a word that is not a number is said in sock's words, not the parser's.
        var reps = new Option<string>("--max-repetitions", "-Cr") { Description = "GetBulk's max-repetitions (lowered on tooBig or silence); -Cr10 or -Cr 10", DefaultValueFactory = _ => "10", HelpName = "N" };
        var numeric = new Option<bool>("--numeric", "-On") { Description = "OIDs in numbers, as snmpwalk -On" };
        var noMibs = new Option<bool>("--no-mibs") { Description = "Name nothing and read values without MIB knowledge, as net-snmp with -m ''" };
        var parallel = new Option<int>("--parallel") { Description = "How many hosts are asked at once", DefaultValueFactory = _ => 16, HelpName = "N" };
        var verbose = new Option<bool>("--verbose") { Description = "Say when a bulk walk lowers max-repetitions" };
        var json = new Option<bool>("--json") { Description = "One JSON object per varbind (NDJSON)" };
        var what = verb switch
        {
            "get" => "GetRequest for each OID (snmpget)",
            "getnext" => "GetNextRequest for each OID (snmpgetnext)",
            "walk" => "Every instance under each OID with GetNext (snmpwalk)",
            "bulkwalk" => "Every instance under each OID with GetBulk (snmpbulkwalk), adapting max-repetitions",
            "set" => "SetRequest: OID TYPE VALUE triples, all set or none (snmpset)",
            "trap" => "Send an SNMPv2-Trap (snmptrap)",
            "inform" => "Send an InformRequest and wait for its acknowledgement (snmpinform)",
            _ => "A conceptual table as rows and columns (snmptable)",
        };
        var cmd = new Command(verb, what) { args, version, community, user, level, authProtocol, authPass, privProtocol, privPass, engine, context, timeout, retries, reps, numeric, noMibs, parallel, verbose, json };
        cmd.SetAction(async (parse, ct) =>
        {
            var words = parse.GetValue(args) ?? [];
            var writing = verb is "set" or "trap" or "inform";
            // snmptrap's second word is the uptime, which may read as a host: its receiver is the first word alone.
            var hosts = verb is "trap" or "inform" ? words.Take(1).ToList() : words.TakeWhile(SnmpTarget.LooksLikeTarget).ToList();
            if (hosts.Count == 0) throw SockException.Usage($"snmp {verb}", words.FirstOrDefault() ?? "", "the first argument must be a host");
            var oidTexts = writing ? [] : words.Skip(hosts.Count).ToList();
            IReadOnlyList<VarBind> values = writing ? Values(verb, words.Skip(hosts.Count).ToList()) : [];
            if (oidTexts.Count == 0 && !writing)
            {
                if (verb is "get" or "getnext" or "table")
                {
                    // The last word was meant as an OID when there are several: say why it is not one.
                    if (hosts.Count > 1 && !MibNames.TryParse(hosts[^1], out _, out var why)) throw SockException.Usage("OID", hosts[^1], why);
                    throw SockException.Usage($"snmp {verb}", string.Join(' ', words), "no OID given");
                }
                oidTexts.Add("1.3.6.1.2.1"); // snmpwalk's default: mib-2
            }
            var oids = oidTexts.Select(t => MibNames.TryParse(t, out var o, out var why) ? o : throw SockException.Usage("OID", t, why)).ToList();
            var v = parse.GetValue(version);
            var snmpVersion = v switch
            {
                "1" => SnmpVersion.V1,
                "2c" or "2" => SnmpVersion.V2c,
                "3" => SnmpVersion.V3,
                _ => throw SockException.Usage("snmp", $"-v {v}", "the version is 1, 2c or 3"),
            };
            var v3Options = new Option[] { user, level, authProtocol, authPass, privProtocol, privPass, engine, context };
            string c;
            if (snmpVersion == SnmpVersion.V3)
            {
                if (parse.GetResult(community) is not null) throw SockException.Usage("snmp", "-c", "SNMPv3 has no community: give -u USER (and -l, -a, -A, -x, -X)");
                c = "";
            }
            else
            {
                // net-snmp ignores the v3 options under -v 1 or 2c; here they would be silently dropped, so they are refused.
                if (v3Options.FirstOrDefault(o => parse.GetResult(o) is not null) is { } given)
                    throw SockException.Usage("snmp", given.Aliases.FirstOrDefault(a => a.Length == 2) ?? given.Name, $"applies to -v 3 only, not -v {v}");
                c = parse.GetValue(community) ?? throw SockException.Usage("snmp", "-c", "no community given (net-snmp's tools have no default either)");
            }
            var wait = Durations.Parse(parse.GetValue(timeout)!, "timeout");
            if (wait <= TimeSpan.Zero) throw SockException.Usage("timeout", parse.GetValue(timeout)!, "must be more than 0");
            var tries = parse.GetValue(retries);
            if (tries < 0) throw SockException.Usage("retries", tries.ToString(CultureInfo.InvariantCulture), "must be 0 or more");
            var repsText = parse.GetValue(reps)!;
            if (!int.TryParse(repsText, NumberStyles.None, CultureInfo.InvariantCulture, out var maxReps)) maxReps = -1;
            if (maxReps is < 1 or > 65535) throw SockException.Usage("max-repetitions", repsText, "must be a number from 1 to 65535");
            // Only GetBulk has max-repetitions: with get, getnext or walk it would be dropped (snmpwalk refuses -Cr too).
            if (verb is "get" or "getnext" or "walk" or "set" or "trap" or "inform" && parse.GetResult(reps) is { Implicit: false })
                throw SockException.Usage("-Cr", repsText, $"max-repetitions applies to bulkwalk and table (GetBulk), not {verb}");
            var width = parse.GetValue(parallel);
            if (width < 1) throw SockException.Usage("parallel", width.ToString(CultureInfo.InvariantCulture), "must be 1 or more");
            if (verb is "trap" or "inform" && snmpVersion == SnmpVersion.V1)
                throw SockException.Usage($"snmp {verb}", "-v 1", "SNMPv1's Trap-PDU is not supported: use -v 2c or -v 3");
            var targets = new List<SnmpTarget>();
            foreach (var h in hosts) targets.AddRange(await SnmpTarget.ParseAsync(h, verb is "trap" or "inform" ? 162 : SnmpTarget.DefaultPort, ct));
            // One host at a time (the usual walk) waits for each answer on its own thread, as snmpwalk does: no hand-over
            // to and from .NET's socket engine per PDU. Many hosts at once keep the engine, so none holds a thread.
            var options = new SnmpClientOptions { Version = snmpVersion, Community = c, Timeout = wait, Retries = tries, MaxRepetitions = maxReps, WaitOnCallingThread = targets.Count == 1 || width == 1 };
            if (snmpVersion == SnmpVersion.V3) V3Options(parse, options, user, level, authProtocol, authPass, privProtocol, privPass, engine, context);
            var text = new SnmpText(parse.GetValue(numeric), !parse.GetValue(noMibs));
            var trace = TraceWriter.FromOptions(parse);
            var verboseOn = parse.GetValue(verbose);

            var many = targets.Count > 1;
            // Console.Out flushes every line (a write(2) each, 20,000 of them for a busy TCP table) through a 256-char
            // buffer; a writer of our own is flushed once per host's block instead, before anything goes to stderr.
            // On a terminal each line still shows as it comes, as snmpwalk's line-buffered stdout does.
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = !Console.IsOutputRedirected };
            IRenderer<SnmpHostAnswer> renderer = parse.GetValue(json) ? new SnmpJsonRenderer(stdout, text) : new SnmpTextRenderer(stdout, text, many);
            // A walk of one host is rendered as it comes, a few hundred varbinds at a time, rather than held whole until
            // its end: 40,000 rows kept alive is most of what the garbage collector copies. The lines are the same.
            Action<SnmpTarget, IReadOnlyList<VarBind>>? streamed = !many && verb is "walk" or "bulkwalk"
                ? (t, chunk) => renderer.Render(new SnmpHostAnswer(t, chunk, null, [], null))
                : null;

            using var gate = new SemaphoreSlim(width);
            var jobs = targets.Select(async t =>
            {
                await gate.WaitAsync(ct);
                try { return await AskAsync(verb, t, oids, values, options, text, trace, verboseOn, streamed, ct); }
                finally { gate.Release(); }
            }).ToList();
            var results = new List<SnmpHostAnswer>();
            // Each host's block is printed as soon as it and every host before it are done: grouped, in the order given.
            foreach (var job in jobs)
            {
                var r = await job;
                results.Add(r);
                renderer.Render(r);
                stdout.Flush();
                foreach (var note in r.Notes) Console.Error.WriteLine($"sock: snmp {verb} {r.Target.Label}: {note}");
                if (r.Error is not null)
                {
                    if (!many) throw r.Error;
                    Console.Error.WriteLine(ErrorText.For(r.Error));
                }
            }
            if (many)
            {
                var answered = results.Count(r => r.Error is null);
                var timedOut = results.Count(r => r.Error?.SocketError == SocketError.TimedOut);
                var refused = results.Count(r => r.Error?.SocketError == SocketError.ConnectionRefused);
                var failed = results.Count - answered - timedOut - refused;
                Console.Error.WriteLine($"sock snmp {verb}: {results.Count} hosts: {answered} answered, {timedOut} timed out, {refused} refused{(failed > 0 ? $", {failed} failed" : "")}");
                return answered == results.Count ? ExitCodes.Success : ExitCodes.NetworkError;
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// net-snmp writes -Cr's number attached (-Cr10) as often as apart; System.CommandLine splits only one-letter
    /// options that way, so the attached form is split here, before parsing. Words after "--" are left alone.
    /// </summary>
    internal static string[] SplitAttachedValues(string[] args)
    {
        var result = new List<string>(args.Length + 1);
        var literal = false;
        foreach (var a in args)
        {
            if (a == "--") literal = true;
            if (!literal && a.Length > 3 && a.StartsWith("-Cr", StringComparison.Ordinal) && a[3] is not ('=' or ':')) { result.Add("-Cr"); result.Add(a[3..]); }
            else result.Add(a);
        }
        return [.. result];
    }

    // net-snmp's -u -l -a -A -x -X -e -n (snmpcmd(1)), checked as snmpget checks them, before anything is sent.
    internal static void V3Options(ParseResult parse, SnmpClientOptions options, Option<string> user, Option<string> level, Option<string> authProtocol,
        Option<string> authPass, Option<string> privProtocol, Option<string> privPass, Option<string> engine, Option<string> context)
    {
        var name = parse.GetValue(user);
        if (string.IsNullOrEmpty(name)) throw SockException.Usage("snmp -v 3", "-u", "no user name given (net-snmp: No securityName specified)");
        var levelText = parse.GetValue(level) ?? "noAuthNoPriv";
        if (!UsmNames.TryParseLevel(levelText, out var securityLevel, out var why)) throw SockException.Usage("-l", levelText, why);
        var u = new UsmUser(name);
        if (securityLevel >= SnmpSecurityLevel.AuthNoPriv)
        {
            var proto = parse.GetValue(authProtocol) ?? "MD5";
            if (!UsmNames.TryParseAuth(proto, out var auth, out why)) throw SockException.Usage("-a", proto, why);
            var pass = parse.GetValue(authPass) ?? throw SockException.Usage("snmp -v 3", $"-l {levelText}", "no authentication password given (-A PASS)");
            u = u with { AuthProtocol = auth, AuthPassword = pass };
        }
        if (securityLevel == SnmpSecurityLevel.AuthPriv)
        {
            var proto = parse.GetValue(privProtocol) ?? "AES";
            if (!UsmNames.TryParsePriv(proto, out var priv, out why)) throw SockException.Usage("-x", proto, why);
            var pass = parse.GetValue(privPass) ?? throw SockException.Usage("snmp -v 3", $"-l {levelText}", "no privacy password given (-X PASS)");
            u = u with { PrivProtocol = priv, PrivPassword = pass };
        }
        else if (parse.GetValue(privProtocol) is { } proto && !UsmNames.TryParsePriv(proto, out _, out why))
            throw SockException.Usage("-x", proto, why); // DES is refused even where it would not be used, so no one thinks it was
        if (u.Problem() is { } problem)
            throw SockException.Usage("snmp -v 3", problem.Contains("privacy", StringComparison.Ordinal) ? "-X" : problem.Contains("authentication", StringComparison.Ordinal) ? "-A" : "-u", problem);
        byte[]? engineId = null;
        if (parse.GetValue(engine) is { } hex && !SnmpEngineId.TryParse(hex, out engineId, out why)) throw SockException.Usage("-e", hex, why);
        options.User = u;
        options.SecurityLevel = securityLevel;
        options.EngineId = engineId;
        options.ContextName = parse.GetValue(context) ?? "";
    }

    // set's OID TYPE VALUE triples; for trap and inform UPTIME TRAPOID first, made into sysUpTime.0 and snmpTrapOID.0.
    private static IReadOnlyList<VarBind> Values(string verb, List<string> words)
    {
        var list = new List<VarBind>();
        var rest = words;
        if (verb != "set")
        {
            if (words.Count < 2) throw SockException.Usage($"snmp {verb}", string.Join(' ', words), "give HOST UPTIME TRAPOID [OID TYPE VALUE]... (UPTIME '' for this machine's)");
            uint ticks;
            // '' is the sender's uptime, as snmptrap takes it: this machine's, in hundredths of a second.
            if (words[0].Length == 0) ticks = unchecked((uint)(Environment.TickCount64 / 10));
            else if (!uint.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out ticks))
                throw SockException.Usage("uptime", words[0], "is hundredths of a second, 0 to 4294967295, or '' for this machine's");
            if (!MibNames.TryParse(words[1], out var trapOid, out var bad)) throw SockException.Usage("trap OID", words[1], bad);
            list.AddRange(SnmpNotification.VarBinds(ticks, trapOid));
            rest = words.Skip(2).ToList();
        }
        else if (rest.Count == 0) throw SockException.Usage("snmp set", "", "give OID TYPE VALUE after the host");
        if (rest.Count % 3 != 0)
            throw SockException.Usage($"snmp {verb}", string.Join(' ', rest.Skip(rest.Count / 3 * 3)), "each object is OID TYPE VALUE (three words)");
        for (var i = 0; i < rest.Count; i += 3)
        {
            if (!MibNames.TryParse(rest[i], out var oid, out var why)) throw SockException.Usage("OID", rest[i], why);
            if (!SnmpValueText.TryParse(rest[i + 1], rest[i + 2], out var value, out why)) throw SockException.Usage($"value {rest[i + 1]}", rest[i + 2], why);
            list.Add(new VarBind(oid, value));
        }
        return list;
    }

    // How many varbinds of a streamed walk are rendered at a time.
    private const int StreamChunk = 256;

    private static async Task<SnmpHostAnswer> AskAsync(string verb, SnmpTarget target, List<Oid> oids, IReadOnlyList<VarBind> values, SnmpClientOptions options, SnmpText text,
        Sock.Core.Tracing.SocketTrace? trace, bool verbose, Action<SnmpTarget, IReadOnlyList<VarBind>>? streamed, CancellationToken ct)
    {
        var varBinds = new List<VarBind>();
        var notes = new List<string>();
        Oid? entry = verb == "table" ? oids[0].Append(1) : null;
        await using var client = new SnmpClient(target, options, trace);
        if (verbose) client.Adapted = notes.Add;
        try
        {
            switch (verb)
            {
                case "trap":
                    await client.SendTrapAsync(values, ct);
                    break;
                case "inform":
                    // snmpinform prints nothing when the receiver acknowledges.
                    await client.InformAsync(values, ct);
                    break;
                case "get":
                case "getnext":
                case "set":
                    var pdu = verb == "get" ? await client.GetAsync(oids, ct) : verb == "set" ? await client.SetAsync(values, ct) : await client.GetNextAsync(oids, ct);
                    if (pdu.ErrorStatus != SnmpErrorStatus.NoError)
                    {
                        var at = pdu.ErrorIndex > 0 && pdu.ErrorIndex <= pdu.VarBinds.Count ? $" at {text.FormatOid(pdu.VarBinds[pdu.ErrorIndex - 1].Oid)}" : "";
                        throw new SockException(SockErrorKind.Network, $"snmp {verb} from", target.Label, $"the agent answered {SnmpAgent.ErrorName(pdu.ErrorStatus)}{at}");
                    }
                    varBinds.AddRange(pdu.VarBinds);
                    break;
                case "table":
                    // snmptable: the table's entry walked whole; a table cut short by an error shows nothing.
                    var cells = new List<VarBind>();
                    await foreach (var vb in client.BulkWalkAsync(entry!, ct)) cells.Add(vb);
                    varBinds.AddRange(cells);
                    break;
                default:
                    foreach (var root in oids)
                    {
                        var walk = verb == "walk" ? client.WalkAsync(root, ct) : client.BulkWalkAsync(root, ct);
                        await foreach (var vb in walk)
                        {
                            varBinds.Add(vb);
                            if (streamed is not null && varBinds.Count == StreamChunk)
                            {
                                streamed(target, varBinds);
                                varBinds.Clear();
                            }
                        }
                    }
                    break;
            }
            return new SnmpHostAnswer(target, varBinds, entry, notes, null);
        }
        catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
        {
            return new SnmpHostAnswer(target, varBinds, entry, notes, ex);
        }
    }
}
