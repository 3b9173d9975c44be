using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Icmp;
using Sock.Core.Scanning;

namespace Sock.Cli.Commands;

/// <summary>sock ping: ICMP echo as iputils ping (raw or unprivileged ICMP datagram sockets), TCP or UDP when ICMP is not allowed, many hosts as fping.</summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var targets = new Argument<string[]>("host")
        {
            Description = "Host names, IPv4 or IPv6 addresses, or CIDR ranges (127.0.0.0/30)",
            Arity = ArgumentArity.OneOrMore,
        };
        var count = new Option<int?>("-c", "--count") { Description = "Stop after COUNT requests per host (default: until Ctrl-C or -w)" };
        var interval = new Option<string?>("-i", "--interval") { Description = "Seconds between requests (default 1; at least 0.2 without root, as ping)" };
        var timeout = new Option<string?>("-W", "--timeout") { Description = "Seconds to wait for a reply after the last request when none has come (default 10)" };
        var deadline = new Option<string?>("-w", "--deadline") { Description = "Stop after this many seconds, whatever has been sent" };
        var size = new Option<int?>("-s", "--size") { Description = "Payload bytes (default 56: 64-byte ICMP messages), 0 to 65507" };
        var ttl = new Option<int?>("-t", "--ttl") { Description = "IP time to live (IPv6 hop limit), 1 to 255" };
        var quiet = new Option<bool>("-q", "--quiet") { Description = "Only the summary" };
        var stamps = new Option<bool>("-D", "--timestamps") { Description = "Print the Unix time before each line, as ping -D" };
        var flood = new Option<bool>("-f", "--flood") { Description = "Flood: the next request as soon as a reply comes (or every 10 ms); a dot per request, a backspace per reply. Root only" };
        var perHost = new Option<int?>("-C", "--vcount") { Description = "fping -C: COUNT requests per host, then a table per host with every round trip" };
        var numeric = new Option<bool>("-n", "--numeric") { Description = "Numeric output (sock prints addresses anyway; accepted for ping's scripts)" };
        var ipv4 = new Option<bool>("-4") { Description = "Resolve names to IPv4 only" };
        var ipv6 = new Option<bool>("-6") { Description = "Resolve names to IPv6 only" };
        var tcp = new Option<int?>("--tcp") { Description = "Ping by TCP connect time to PORT (no privileges anywhere; accepted or refused both mean the host answered)" };
        var udp = new Option<int?>("--udp") { Description = "Ping by sending a UDP datagram to PORT and timing the ICMP port unreachable" };
        var live = new Option<bool>("--live") { Description = "A live view: one row per host redrawn in place, with a sparkline of its last round trips (the default on a terminal with several hosts)" };
        var icmpOnly = new Option<bool>("--icmp") { Description = "ICMP or nothing: fail instead of falling back to TCP port 80 when no ICMP socket is allowed" };
        var json = GlobalOptions.Json();
        var command = new Command("ping", """
            Send ICMP echo requests to hosts, as iputils ping (and fping for many hosts).

            As root (CAP_NET_RAW) a raw ICMP socket; otherwise the unprivileged ICMP datagram socket where
            net.ipv4.ping_group_range allows it, as Linux's ping; otherwise TCP connect time to port 80 (--tcp PORT
            to choose, --icmp to refuse). The method and the reason are printed on stderr. Replies are matched by
            identifier, address and sequence; duplicates, corrupted replies and ICMP errors are counted as ping does,
            and the summary's rtt min/avg/max/mdev are iputils' own arithmetic. Several hosts: one request to each per
            round, a summary per host; -C N prints fping's per-host table; on a terminal a live view, one row per host
            redrawn in place with a sparkline of its round trips (--live asks for it with one host too). Exit 0 when every host answered, 1 when one
            did not, 2 for usage errors and names that do not resolve (as ping).

            Examples:
              sock ping -c 3 127.0.0.1                  three requests, ping's lines and summary
              sock ping -c 5 -i 0.2 -q ::1              IPv6, only the summary
              sock ping -c 3 -C 3 127.0.0.1 127.0.0.2   several hosts, fping's table
              sock ping 127.0.0.1 ::1                   several hosts on a terminal: the live view
              sock ping --tcp 22 -c 3 127.0.0.1         connect time to port 22, no ICMP needed
              sock ping -f -c 1000 127.0.0.1            flood (root)
              sock ping -c 2 --json 127.0.0.0/30        every host of a range, as JSON
            """)
        {
            targets, count, interval, timeout, deadline, size, ttl, quiet, stamps, flood, perHost, numeric, ipv4, ipv6, tcp, udp, icmpOnly, live, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(ipv4) && parse.GetValue(ipv6))
                throw SockException.Usage("options", "-4 -6", "ask for both families; give one");
            if (parse.GetValue(tcp) is not null && parse.GetValue(udp) is not null)
                throw SockException.Usage("options", "--tcp --udp", "name one method");
            if (parse.GetValue(perHost) is not null && parse.GetValue(count) is not null)
                throw SockException.Usage("options", "-c -C", "-C N already sets the count; give one");
            // A TCP connect carries no payload and sets no TTL of ours to read back: -s asked with --tcp would be dropped.
            if (parse.GetValue(tcp) is not null && parse.GetValue(size) is not null)
                throw SockException.Usage("-s", parse.GetValue(size)!.Value.ToString(CultureInfo.InvariantCulture), "a TCP connect (--tcp) sends no payload");
            var family = parse.GetValue(ipv4) ? AddressFamily.InterNetwork : parse.GetValue(ipv6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
            var isFlood = parse.GetValue(flood);
            var port = parse.GetValue(tcp) ?? parse.GetValue(udp);
            if (port is < 1 or > 65535)
                throw SockException.Usage(parse.GetValue(tcp) is not null ? "--tcp" : "--udp", port.Value.ToString(CultureInfo.InvariantCulture), "not a port (1 to 65535)");
            var options = new PingOptions
            {
                Count = parse.GetValue(perHost) ?? parse.GetValue(count),
                Interval = parse.GetValue(interval) is { } i ? Durations.Parse(i, "-i") : isFlood ? TimeSpan.Zero : TimeSpan.FromSeconds(1),
                Timeout = parse.GetValue(timeout) is { } w ? Durations.Parse(w, "-W") : TimeSpan.FromSeconds(10),
                Deadline = parse.GetValue(deadline) is { } d ? Durations.Parse(d, "-w") : null,
                PayloadSize = parse.GetValue(size) ?? 56,
                Ttl = parse.GetValue(ttl),
                Flood = isFlood,
                Method = parse.GetValue(tcp) is not null ? PingMethod.Tcp : parse.GetValue(udp) is not null ? PingMethod.Udp : null,
                FallbackPort = port ?? 80,
                IcmpOnly = parse.GetValue(icmpOnly),
                Trace = TraceWriter.FromOptions(parse),
            };
            // Options first, as ping: a bad -c is reported before any name is looked up.
            Pinger.Validate(options, PingPrivileges.Read());

            var (hosts, failures) = await TargetSpec.ResolveAsync(parse.GetValue(targets) ?? [], family, cancellationToken: ct);
            foreach (var f in failures)
                Console.Error.WriteLine($"sock: ping {f.Input}: {f.Reason}");
            if (hosts.Count == 0) return ExitCodes.UsageError;

            var asJson = parse.GetValue(json);
            var table = parse.GetValue(perHost) is not null;
            var liveView = LiveView(parse.GetValue(live), hosts.Count, parse.GetValue(quiet), asJson, table, isFlood, parse.GetValue(stamps));
            var printer = new PingPrinter(Console.Out, Console.Error, parse.GetValue(quiet) || asJson || table, isFlood, parse.GetValue(stamps))
            {
                Port = options.FallbackPort,
                PayloadSize = options.PayloadSize,
                Headers = !asJson && !table,
            };
            // Cancellation (Ctrl-C) ends the run and returns what it has: the summary follows, as ping's.
            var report = await Pinger.RunAsync(hosts, options, liveView is not null ? liveView : printer, ct);
            liveView?.Close();
            if (asJson)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(report, failures), SockJson.Default.PingJsonReport));
            }
            else if (table)
            {
                PerHostTable(report);
            }
            else
            {
                if (isFlood && !parse.GetValue(quiet)) Console.Out.WriteLine();
                foreach (var h in report.Hosts)
                    PingPrinter.Summary(Console.Out, h, report.Elapsed, isFlood || options.Interval == TimeSpan.Zero);
            }
            var allAnswered = report.Hosts.All(h => h.Statistics.Received > 0 &&
                (options.Deadline is null || options.Count is null || h.Statistics.Received >= options.Count));
            return failures.Count > 0 ? ExitCodes.UsageError : allAnswered ? ExitCodes.Success : ExitCodes.NetworkError;
        });
        return command;
    }

    /// <summary>
    /// The live view when asked (--live) or by default when stdout is a terminal and there are several hosts to watch;
    /// never where its escape codes would end up in a file or a pipe, nor with the modes that print something else.
    /// </summary>
    private static PingLiveView? LiveView(bool asked, int hosts, bool quiet, bool json, bool table, bool flood, bool stamps)
    {
        if (asked)
        {
            string? clash = quiet ? "-q" : json ? "--json" : table ? "-C" : flood ? "-f" : null;
            if (clash is not null) throw SockException.Usage("--live", clash, $"{clash} prints no per-request output to show live; give one");
            if (stamps) throw SockException.Usage("--live", "-D", "-D stamps each reply line, which the live view does not print; give one");
            if (!Terminal.RichStdout) throw SockException.Usage("--live", "stdout", "not a terminal (or NO_COLOR, or TERM=dumb): the live view redraws in place");
        }
        else if (hosts < 2 || quiet || json || table || flood || stamps || !Terminal.RichStdout)
            return null;
        return new PingLiveView(Console.Out, Console.Error);
    }

    /// <summary>fping -C's summary: one row per host, its counts, iputils' figures, and every round trip (- for none).</summary>
    private static void PerHostTable(PingReport report)
    {
        var rows = report.Hosts.Select(h =>
        {
            var s = h.Statistics;
            IReadOnlyList<string> row =
            [
                h.Target.ToString(), s.Transmitted.ToString(CultureInfo.InvariantCulture), s.Received.ToString(CultureInfo.InvariantCulture),
                PingPrinter.LossText(s.LossPercent) + "%",
                s.Received > 0 ? $"{PingPrinter.Micros(s.MinMicros)}/{PingPrinter.Micros(s.AvgMicros)}/{PingPrinter.Micros(s.MaxMicros)}/{PingPrinter.Micros(s.MdevMicros)}" : "-",
                string.Join(' ', h.RoundTrips.Select(r => r is { } ms ? ms.ToString("0.00", CultureInfo.InvariantCulture) : "-")),
            ];
            return row;
        });
        TableWriter.Write(Console.Out, ["HOST", "SENT", "RECV", "LOSS", "MIN/AVG/MAX/MDEV MS", "ROUND TRIPS (MS)"], rows, Terminal.RichStdout);
    }

    private static PingJsonReport ToJson(PingReport report, IReadOnlyList<TargetFailure> failures) => new(
        [.. report.Methods.Select(m => new PingJsonMethod(m.Method.ToString(), m.Description, m.Reason, m.Port))],
        Math.Round(report.Elapsed.TotalMilliseconds, 3),
        [.. report.Hosts.Select(h =>
        {
            var s = h.Statistics;
            var any = s.Received > 0;
            return new PingJsonHost(h.Target.Input, h.Target.Address.ToString(), h.Target.Name, s.Transmitted, s.Received, s.Duplicates,
                s.Corrupted, s.Errors, Math.Round(s.LossPercent, 4), any ? s.MinMicros / 1000.0 : null, any ? s.AvgMicros / 1000.0 : null,
                any ? s.MaxMicros / 1000.0 : null, any ? s.MdevMicros / 1000.0 : null, h.RoundTrips);
        })],
        [.. failures.Select(f => new PingJsonFailure(f.Input, f.Reason))]);
}
