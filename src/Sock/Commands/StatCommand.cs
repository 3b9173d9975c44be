using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Filtering;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>sock stat: the socket table with owning processes, as ss and netstat show it.</summary>
internal static class StatCommand
{
    public static Command Create()
    {
        var tcp = new Option<bool>("--tcp", "-t") { Description = "TCP sockets" };
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP sockets" };
        var raw = new Option<bool>("--raw", "-w") { Description = "Raw sockets" };
        var unix = new Option<bool>("--unix", "-x") { Description = "Unix domain sockets (stream, dgram, seqpacket)" };
        var v4 = new Option<bool>("--ipv4", "-4") { Description = "Only IPv4 sockets" };
        var v6 = new Option<bool>("--ipv6", "-6") { Description = "Only IPv6 sockets" };
        var listening = new Option<bool>("--listening", "-l") { Description = "Only listening sockets (and unconnected datagram sockets)" };
        var all = new Option<bool>("--all", "-a") { Description = "Listening and non-listening sockets (default: non-listening only)" };
        var numeric = new Option<bool>("--numeric", "-n") { Description = "Show port numbers, not service names" };
        var processes = new Option<bool>("--processes", "-p") { Description = "Show the processes holding each socket: users:((\"comm\",pid=N,fd=N))" };
        var extended = new Option<bool>("--extended", "-e") { Description = "Show uid, inode and the kernel's socket cookie" };
        var timers = new Option<bool>("--options", "-o") { Description = "Show TCP timers: timer:(name,expires,retransmits)" };
        var info = new Option<bool>("--info", "-i") { Description = "Show TCP internals: rtt, cwnd, retransmits, bytes acked…" };
        var memory = new Option<bool>("--memory", "-m") { Description = "Show socket memory as ss -m: skmem:(r,rb,t,tb,f,w,o,bl,d) — received and buffer size, sent and buffer size, forward-allocated, queued to send, options, backlog, drops" };
        var noHeader = new Option<bool>("--no-header", "-H") { Description = "Do not print the header line" };
        var summary = new Option<bool>("--summary", "-s") { Description = "Totals by protocol and state, like ss -s" };
        var who = new Option<string?>("--who") { Description = "Who holds a port: PORT, PORT/tcp or PORT/udp", HelpName = "PORT" };
        var watch = new Option<double?>("--watch")
        {
            Description = "Refresh the table every SECS seconds (default 1), marking new (+) and closed (-) sockets",
            HelpName = "SECS",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = WatchSeconds,
        };
        var count = new Option<int?>("--count") { Description = "With --watch: stop after N refreshes", HelpName = "N" };
        var snmp = new Option<string>("--snmp") { Description = "Another host's TCP and UDP table over SNMP (TCP-MIB, UDP-MIB, its PIDs named by HOST-RESOURCES-MIB), as snmpnetstat", HelpName = "HOST" };
        var snmpVersion = new Option<string>("--snmp-version", "-v") { Description = "With --snmp: the SNMP version, 1, 2c or 3", DefaultValueFactory = _ => "2c", HelpName = "1|2c|3" };
        var snmpCommunity = new Option<string>("--community", "-c") { Description = "With --snmp: the community (v1, v2c)", HelpName = "COMMUNITY" };
        // stat's -u -a -l -x are its own: the SNMPv3 options are long here.
        var user = new Option<string>("--user") { Description = "With --snmp -v 3: the user", HelpName = "USER" };
        var level = new Option<string>("--level") { Description = "With --snmp -v 3: noAuthNoPriv, authNoPriv or authPriv", HelpName = "LEVEL" };
        var authProtocol = new Option<string>("--auth-protocol") { Description = "With --snmp -v 3: MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512", HelpName = "PROTO" };
        var authPass = new Option<string>("--auth-password") { Description = "With --snmp -v 3: the authentication password", HelpName = "PASS" };
        var privProtocol = new Option<string>("--priv-protocol") { Description = "With --snmp -v 3: AES", HelpName = "AES" };
        var privPass = new Option<string>("--priv-password") { Description = "With --snmp -v 3: the privacy password", HelpName = "PASS" };
        var engine = new Option<string>("--engine-id") { Description = "With --snmp -v 3: the agent's engine ID (no discovery)", HelpName = "HEX" };
        var context = new Option<string>("--context") { Description = "With --snmp -v 3: the context name", HelpName = "CONTEXT" };
        var snmpTimeout = new Option<string>("--timeout") { Description = "With --snmp: seconds (or 500ms) to wait for each try", DefaultValueFactory = _ => "1", HelpName = "TIME" };
        var json = GlobalOptions.Json();
        var filter = new Argument<string[]>("FILTER")
        {
            Description = "A filter in ss's language: [state STATE|exclude STATE]… then an expression of sport/dport OP PORT, src/dst ADDRESS, and, or, not, ( )",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("stat", """
            The socket table with owning processes: what ss and netstat show, in ss's columns and state names.
            Tables: -t TCP, -u UDP, -w raw, -x Unix (all of them when none is given). Without -a or -l, only
            non-listening sockets are shown, as ss does. Data comes from netlink sock_diag on Linux (/proc/net when
            netlink is refused); elsewhere from .NET's IPGlobalProperties, which lacks processes and Unix sockets.

            Filter: state/exclude with established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed,
            close-wait, last-ack, listening, closing or the groups all, connected, synchronized, bucket, big; then
            sport/dport with = != < > <= >= (eq neq lt gt le ge) and :PORT; src/dst with 127.0.0.1, 10.0.0.0/8,
            [::1], [::1]:22, *:80, :80; joined by and, or, not and parentheses.

            Examples:
              sock stat -tanp
              sock stat -tln
              sock stat -x
              sock stat -tan state established '( dport = :443 or sport = :8080 )'
              sock stat -tan exclude time-wait dst 127.0.0.0/8
              sock stat -s
              sock stat --who 8080
              sock stat -tanm                  with each socket's memory, as ss -m
              sock stat -tan --watch 2
              sock stat -ta --json
              sock stat -tanp --snmp 10.0.0.5 -c public     another host's table, over SNMP

            --snmp HOST reads another host's TCP and UDP sockets from its SNMP agent (sock agent, snmpd) as net-snmp's
            snmpnetstat does: TCP-MIB's tcpConnectionTable and tcpListenerTable, UDP-MIB's udpEndpointTable, each PID
            named from hrSWRunName; in these columns, with these filters and --json. Queues and descriptors are not in
            the MIBs: Recv-Q and Send-Q show 0, a process shows no fd. -v 1|2c|3, -c COMMUNITY, and for v3 --user
            --level --auth-protocol --auth-password --priv-protocol --priv-password (long names: -u -a -l -x are stat's).
            """)
        {
            tcp, udp, raw, unix, v4, v6, listening, all, numeric, processes, extended, timers, info, memory, noHeader, summary,
            who, watch, count, snmp, snmpVersion, snmpCommunity, user, level, authProtocol, authPass, privProtocol, privPass, engine, context, snmpTimeout,
            json, filter,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new StatOptions(
                Kinds(parse.GetValue(tcp), parse.GetValue(udp), parse.GetValue(raw), parse.GetValue(unix), parse.GetValue(v4), parse.GetValue(v6)),
                parse.GetValue(listening), parse.GetValue(all), parse.GetValue(numeric), parse.GetValue(processes),
                parse.GetValue(extended), parse.GetValue(timers), parse.GetValue(info), parse.GetValue(memory), !parse.GetValue(noHeader),
                parse.GetValue(json), SocketFilter.Parse(FilterWords(parse, watch, filter)));
            if (parse.GetResult(count) is not null && parse.GetResult(watch) is null)
                throw SockException.Usage("--count", parse.GetValue(count)?.ToString(CultureInfo.InvariantCulture) ?? "", "only applies with --watch");
            Option[] snmpOnly = [snmpVersion, snmpCommunity, user, level, authProtocol, authPass, privProtocol, privPass, engine, context, snmpTimeout];
            if (parse.GetValue(snmp) is { } host)
            {
                if (parse.GetResult(who) is not null || parse.GetValue(summary) || parse.GetResult(watch) is not null || options.Info || options.Memory
                    || options.Timers || options.Extended || (options.Kinds & (SocketKinds.Raw | SocketKinds.Unix)) != 0 && parse.GetValue(raw) | parse.GetValue(unix))
                    throw SockException.Usage("--snmp", host, "reads TCP and UDP rows only: not with -w, -x, -e, -i, -m, -o, -s, --who or --watch");
                var o = options with { Kinds = options.Kinds & (SocketKinds.Tcp | SocketKinds.Udp) };
                var targets = await SnmpTarget.ParseAsync(host, ct: ct);
                if (targets.Count != 1) throw SockException.Usage("--snmp", host, "give one host, not a range");
                var v = parse.GetValue(snmpVersion);
                var version = v switch { "1" => SnmpVersion.V1, "2c" or "2" => SnmpVersion.V2c, "3" => SnmpVersion.V3, _ => throw SockException.Usage("--snmp", $"-v {v}", "the version is 1, 2c or 3") };
                var wait = Durations.Parse(parse.GetValue(snmpTimeout)!, "timeout");
                if (wait <= TimeSpan.Zero) throw SockException.Usage("timeout", parse.GetValue(snmpTimeout)!, "must be more than 0");
                var clientOptions = new SnmpClientOptions { Version = version, Timeout = wait, Retries = 2, MaxRepetitions = 50, WaitOnCallingThread = true };
                if (version == SnmpVersion.V3)
                {
                    if (parse.GetResult(snmpCommunity) is not null) throw SockException.Usage("stat --snmp", "-c", "SNMPv3 has no community: give --user");
                    SnmpCommand.V3Options(parse, clientOptions, user, level, authProtocol, authPass, privProtocol, privPass, engine, context);
                }
                else clientOptions.Community = parse.GetValue(snmpCommunity) ?? throw SockException.Usage("stat --snmp", "-c", "no community given (snmpnetstat has no default either)");
                await using var client = new SnmpClient(targets[0], clientOptions, TraceWriter.FromOptions(parse));
                var rows = await SnmpSocketTable.ReadAsync(client, o.Kinds, ct);
                var remote = StatTable.FromRows(o, rows, null, ownersAttached: true);
                return Render(remote, o);
            }
            if (snmpOnly.FirstOrDefault(x => parse.GetResult(x) is { Implicit: false }) is { } stray)
                throw SockException.Usage("stat", stray.Name, "applies to --snmp only");
            if (parse.GetValue(who) is { } port) return Who(port, options);
            if (parse.GetValue(summary)) return Summary(options.Json);
            if (parse.GetResult(watch) is not null)
            {
                if (options.Json) throw SockException.Usage("--watch", "--json", "a live table is text; run --json once per snapshot instead");
                var seconds = parse.GetValue(watch) ?? 1;
                var frames = parse.GetValue(count);
                if (frames is <= 0) throw SockException.Usage("count", frames.Value.ToString(CultureInfo.InvariantCulture), "must be 1 or more");
                return await StatWatch.RunAsync(options, TimeSpan.FromSeconds(seconds), frames, ct, TraceWriter.FromOptions(parse));
            }
            var table = StatTable.Read(options, SocketTableReaders.ForThisMachine(TraceWriter.FromOptions(parse)));
            table.PrintNotes();
            return Render(table, options);
        });
        return command;
    }

    private static int Render(StatTable table, StatOptions options)
    {
        {
            if (options.Json) return WriteJson(table.Rows);
            if (Terminal.RichStdout && options.Header)
                Spectre.Console.AnsiConsole.Write(StatRenderer.RichTable(table.Layout, table.Rows));
            else
            {
                // A large buffered writer straight on stdout: tens of thousands of rows without a console write each.
                using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
                StatRenderer.WritePlain(stdout, table.Layout, table.Rows);
            }
            return ExitCodes.Success;
        }
    }

    // Kept out of the action's body so the plain path does not load System.Text.Json.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int WriteJson(IReadOnlyList<SocketTableEntry> rows)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(rows.Select(StatJsonRow.From).ToList(), SockJson.Default.ListStatJsonRow));
        return ExitCodes.Success;
    }

    private static double? WatchSeconds(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return 1;
        var text = result.Tokens[0].Value;
        // Not a number: a filter word the parser handed to --watch (FilterWords gives it back); the default interval.
        // (ArgumentResult.OnlyTake would return it, but System.CommandLine allows it only for a command's arguments.)
        if (!IsSeconds(text, out var secs)) return 1;
        if (secs is < 0.1 or > 86400)
        {
            result.AddError($"--watch takes seconds from 0.1 to 86400, not '{text}'");
            return null;
        }
        return secs;
    }

    private static bool IsSeconds(string text, out double seconds) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds);

    /// <summary>
    /// The filter's words in the order they were typed. --watch takes an optional number, so the parser gives it the
    /// word after it whatever that is (`--watch state established`); a word that is not a number is the filter's, put
    /// back in its place among the filter's other words.
    /// </summary>
    private static string[] FilterWords(ParseResult parse, Option<double?> watch, Argument<string[]> filter)
    {
        var words = parse.GetValue(filter) ?? [];
        if (parse.GetResult(watch) is not { Tokens: [var taken] } || IsSeconds(taken.Value, out _)) return words;
        var tokens = parse.Tokens;
        int Position(Token t)
        {
            for (var i = 0; i < tokens.Count; i++)
                if (ReferenceEquals(tokens[i], t)) return i;
            return -1;
        }
        var at = Position(taken);
        var before = parse.GetResult(filter)?.Tokens.Count(t => Position(t) < at) ?? 0;
        return [.. words[..before], taken.Value, .. words[before..]];
    }

    private static SocketKinds Kinds(bool tcp, bool udp, bool raw, bool unix, bool v4, bool v6)
    {
        var kinds = (tcp ? SocketKinds.Tcp : 0) | (udp ? SocketKinds.Udp : 0) | (raw ? SocketKinds.Raw : 0) | (unix ? SocketKinds.Unix : 0);
        if (kinds == 0) kinds = v4 || v6 ? SocketKinds.Tcp | SocketKinds.Udp | SocketKinds.Raw : SocketKinds.All;
        if (v4 && !v6) kinds &= SocketKinds.Tcp4 | SocketKinds.Udp4 | SocketKinds.Raw4;
        if (v6 && !v4) kinds &= SocketKinds.Tcp6 | SocketKinds.Udp6 | SocketKinds.Raw6;
        return kinds;
    }

    private static int Summary(bool json)
    {
        var s = SocketSummary.Read();
        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(s, SockJson.Default.SocketSummary));
        else StatRenderer.WriteSummary(Console.Out, s);
        return ExitCodes.Success;
    }

    private static int Who(string text, StatOptions options)
    {
        var slash = text.IndexOf('/');
        var proto = slash < 0 ? null : text[(slash + 1)..].ToLowerInvariant();
        var port = Ports.Parse(slash < 0 ? text : text[..slash], "who");
        var kinds = proto switch
        {
            null => SocketKinds.Tcp | SocketKinds.Udp,
            "tcp" => SocketKinds.Tcp,
            "udp" => SocketKinds.Udp,
            _ => throw SockException.Usage("who", text, "the protocol is tcp or udp (8080/tcp, 53/udp)"),
        };
        var holders = PortHolders.Find(port, kinds, out var incomplete);
        if (options.Json)
        {
            var list = holders.Select(h => new StatJsonHolder(h.Netid, h.State, h.Address.ToString(), h.Port, h.Uid, h.User, h.Owners)).ToList();
            Console.Out.WriteLine(JsonSerializer.Serialize(list, SockJson.Default.ListStatJsonHolder));
        }
        else
        {
            foreach (var line in StatWho.Describe(holders, incomplete)) Console.Out.WriteLine(line);
            if (holders.Count == 0)
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nothing holds port {port}{(proto is null ? " (tcp or udp)" : "/" + proto)}"));
        }
        if (incomplete && holders.Any(h => h.Owners.Count == 0)) StatTable.NoteDenied(0);
        return holders.Count > 0 ? ExitCodes.Success : ExitCodes.NetworkError;
    }
}
