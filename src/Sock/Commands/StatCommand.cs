using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Filtering;

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
            """)
        {
            tcp, udp, raw, unix, v4, v6, listening, all, numeric, processes, extended, timers, info, memory, noHeader, summary,
            who, watch, count, json, filter,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new StatOptions(
                Kinds(parse.GetValue(tcp), parse.GetValue(udp), parse.GetValue(raw), parse.GetValue(unix), parse.GetValue(v4), parse.GetValue(v6)),
                parse.GetValue(listening), parse.GetValue(all), parse.GetValue(numeric), parse.GetValue(processes),
                parse.GetValue(extended), parse.GetValue(timers), parse.GetValue(info), parse.GetValue(memory), !parse.GetValue(noHeader),
                parse.GetValue(json), SocketFilter.Parse(parse.GetValue(filter) ?? []));
            if (parse.GetResult(count) is not null && parse.GetResult(watch) is null)
                throw SockException.Usage("--count", parse.GetValue(count)?.ToString(CultureInfo.InvariantCulture) ?? "", "only applies with --watch");
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
        });
        return command;
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
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs))
        {
            // Not a number: it is the filter's first word, not --watch's value.
            result.OnlyTake(0);
            return 1;
        }
        if (secs is < 0.1 or > 86400)
        {
            result.AddError($"--watch takes seconds from 0.1 to 86400, not '{text}'");
            return null;
        }
        return secs;
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
