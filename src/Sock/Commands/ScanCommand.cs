using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Scanning;
using Sock.Core.Services;

namespace Sock.Cli.Commands;

/// <summary>sock scan: which ports of a host are open — a TCP connect scan (as nmap -sT) or UDP probes (as nmap -sU).</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var targets = new Argument<string[]>("TARGET")
        {
            Description = "Host names, IPv4 or IPv6 addresses, or CIDR ranges (127.0.0.0/30, at most 65,536 addresses)",
            Arity = ArgumentArity.OneOrMore,
        };
        var ports = new Option<string?>("--ports", "-p")
        {
            Description = "Ports: 22,80,8000-8100, service names (http,ssh), - or 1-65535 for all. Default: the 1,000 most common (nmap's ranking)",
        };
        var top = new Option<int?>("--top-ports") { Description = "Scan the N most common ports (nmap's ranking, at most 1,000)" };
        var udp = new Option<bool>("--udp", "-u") { Description = "Probe UDP instead of TCP: open on a reply, closed on ICMP port unreachable, open|filtered on silence" };
        var all = new Option<bool>("--all", "-a") { Description = "Show every port, closed and filtered ones too" };
        var banner = new Option<bool>("--banner", "-b") { Description = "Show the first bytes each open port's service sends (waits up to 1.5 s), escaped" };
        var timing = new Option<string>("--timing", "-T")
        {
            Description = "careful, polite, normal (default) or aggressive; or nmap's 1-5",
            DefaultValueFactory = _ => "normal",
        };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Most probes in flight at once (default: the preset's; never above the open-file limit)" };
        var retries = new Option<int?>("--retries") { Description = "How many times a silent port is probed again before it is called filtered (default: the preset's)" };
        var timeout = new Option<string?>("--timeout", "-w") { Description = "A fixed probe timeout (500ms, 2s) instead of the one learned from round-trip times" };
        var ipv4 = new Option<bool>("-4") { Description = "Resolve names to IPv4 only" };
        var ipv6 = new Option<bool>("-6") { Description = "Resolve names to IPv6 only" };
        var noDns = new Option<bool>("-n", "--nodns") { Description = "Do not resolve names: targets must be addresses" };
        var engine = new Option<string?>("--engine")
        {
            Description = "The TCP connect engine: epoll (Linux, the default there) or portable (System.Net.Sockets, every OS)",
        };
        engine.AcceptOnlyFromAmong("auto", "epoll", "portable");
        var workers = new Option<int?>("--workers") { Description = "Threads of the epoll engine, 1 to 64 (default: one per core for large scans, at most 4)" };
        var json = GlobalOptions.Json();
        var command = new Command("scan", """
            Find open ports: a TCP connect scan as nmap -sT, or UDP probes as nmap -sU.

            Find the open ports of hosts with a TCP connect scan (no privileges needed, as nmap -sT), or probe UDP ports
            (--udp, as nmap -sU with payloads for DNS, NTP and the small inetd services). Open: the connect succeeded (UDP:
            a reply came). Closed: refused (UDP: ICMP port unreachable). Filtered: no answer within the timeout, retries
            included, or an ICMP unreachable. The number in flight adapts to the answers (slow start, halved on loss), up
            to --max-parallel and the open-file limit; each host's timeout is learned from its round trips
            (srtt + 4 x rttvar, as nmap). Exit 0 when the scan completed, whatever it found; 1 when a target could not be
            resolved or reached; 2 for usage errors.

            Examples:
              sock scan 127.0.0.1                     the 1,000 most common TCP ports
              sock scan localhost -p 22,80,8000-8100  a list and a range
              sock scan ::1 -p - --all                every port, every state
              sock scan 127.0.0.0/30 -p http,ssh      a CIDR range, ports by service name
              sock scan 127.0.0.1 -p 1-1024 --banner  what services say first
              sock scan 127.0.0.1 --udp -p 53,123,7   UDP probes with DNS and NTP payloads
              sock scan 127.0.0.1 -p - --json         every open port, as JSON
            """)
        {
            targets, ports, top, udp, all, banner, timing, maxParallel, retries, timeout, ipv4, ipv6, noDns, engine, workers, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var protocol = parse.GetValue(udp) ? "udp" : "tcp";
            var portList = ResolvePorts(parse.GetValue(ports), parse.GetValue(top), protocol);
            var preset = ScanTiming.Parse(parse.GetValue(timing) ?? "normal");
            var parallel = parse.GetValue(maxParallel);
            if (parallel is < 1 or > 1_000_000)
                throw SockException.Usage("--max-parallel", parallel.Value.ToString(CultureInfo.InvariantCulture), "must be from 1 to 1000000");
            var retryCount = parse.GetValue(retries);
            if (retryCount is < 0 or > 50)
                throw SockException.Usage("--retries", retryCount.Value.ToString(CultureInfo.InvariantCulture), "must be from 0 to 50");
            TimeSpan? fixedTimeout = parse.GetValue(timeout) is { } tt ? Durations.Parse(tt, "--timeout") : null;
            if (fixedTimeout is { } ft && ft <= TimeSpan.Zero)
                throw SockException.Usage("--timeout", parse.GetValue(timeout)!, "must be more than zero");
            if (parse.GetValue(ipv4) && parse.GetValue(ipv6))
                throw SockException.Usage("options", "-4 -6", "ask for both families; give one");
            var workerCount = parse.GetValue(workers);
            if (workerCount is < 1 or > 64)
                throw SockException.Usage("--workers", workerCount.Value.ToString(CultureInfo.InvariantCulture), "must be from 1 to 64");
            var connectEngine = parse.GetValue(engine) switch { "epoll" => ScanEngine.Epoll, "portable" => ScanEngine.Portable, _ => ScanEngine.Auto };
            if (connectEngine == ScanEngine.Epoll && !OperatingSystem.IsLinux())
                throw SockException.Usage("--engine", "epoll", "the epoll engine runs on Linux only; use portable");
            var family = parse.GetValue(ipv4) ? AddressFamily.InterNetwork : parse.GetValue(ipv6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;

            var (hosts, failures) = await TargetSpec.ResolveAsync(parse.GetValue(targets) ?? [], family, parse.GetValue(noDns), cancellationToken: ct);
            foreach (var f in failures)
                Console.Error.WriteLine($"sock: resolve {f.Input} failed: {f.Reason}");

            var bar = !parse.GetValue(json) && !parse.GetValue(GlobalOptions.Trace) && Terminal.RichStderr ? new ScanProgressBar(Console.Error) : null;
            var options = new ScanOptions
            {
                Timing = preset,
                MaxParallel = parallel,
                MaxRetries = retryCount,
                Timeout = fixedTimeout,
                GrabBanners = parse.GetValue(banner),
                // Closed ports are counted, not kept one by one, unless --all lists them.
                ListClosed = parse.GetValue(all),
                Trace = TraceWriter.FromOptions(parse),
                Progress = bar,
                Engine = connectEngine,
                Workers = workerCount,
            };
            ScanReport report;
            try
            {
                report = protocol == "udp"
                    ? await PortScanner.ScanUdpAsync(hosts, portList, options, ct)
                    : await PortScanner.ScanTcpAsync(hosts, portList, options, ct);
            }
            finally
            {
                bar?.Close();
            }
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(report, failures, parse.GetValue(all)), SockJson.Default.ScanJsonReport));
            else
                Render(report, parse.GetValue(all), parse.GetValue(banner));
            foreach (var u in report.Unreachable)
                Console.Error.WriteLine($"sock: scan {u} failed: unreachable (no route: every probe met a network or host unreachable)");
            return failures.Count > 0 || report.Unreachable.Count > 0 || (hosts.Count == 0) ? ExitCodes.NetworkError : ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<int> ResolvePorts(string? spec, int? top, string protocol)
    {
        if (spec is not null && top is not null)
            throw SockException.Usage("options", "--ports --top-ports", "name the ports one way; give one of them");
        if (top is { } n)
        {
            if (n < 1 || n > TopPorts.Available(protocol))
                throw SockException.Usage("--top-ports", n.ToString(CultureInfo.InvariantCulture), $"must be from 1 to {TopPorts.Available(protocol):N0}");
            return TopPorts.Get(protocol, n);
        }
        if (spec is null) return TopPorts.Get(protocol);
        return spec.Trim() == "-" ? PortSpec.Parse(PortSpec.All) : PortSpec.Parse(spec, protocol);
    }

    private static string StateText(PortState s) => s switch
    {
        PortState.Open => "open",
        PortState.Closed => "closed",
        PortState.Filtered => "filtered",
        _ => "open|filtered",
    };

    // As nmap: open ports are always listed; open|filtered (a UDP port that stayed silent, the interesting ones in UDP)
    // too, unless there are more than 25 of them on the host, when nmap sums them up in its "Not shown" line.
    private const int MostListedOpenFiltered = 25;

    private static Func<PortResult, bool> ShownOn(IEnumerable<PortResult> host, bool all)
    {
        var openFiltered = host.Count(r => r.State == PortState.OpenFiltered);
        return r => all || r.State == PortState.Open || (r.State == PortState.OpenFiltered && openFiltered <= MostListedOpenFiltered);
    }

    /// <summary>nmap's "Not shown" line: the ports left out, by state and then by reason, largest group first.</summary>
    /// <summary>
    /// nmap's "Not shown" line: the ports left out, by state and then by reason, largest group first. Closed ports the
    /// scan counted without listing (<paramref name="unlistedClosed"/>) are conn-refused ones.
    /// </summary>
    private static string NotShown(IEnumerable<PortResult> hidden, int unlistedClosed, string protocol)
    {
        var groups = hidden.GroupBy(r => (r.State, r.Reason)).ToDictionary(g => g.Key, g => g.Count());
        if (unlistedClosed > 0)
            groups[(PortState.Closed, "conn-refused")] = groups.GetValueOrDefault((PortState.Closed, "conn-refused")) + unlistedClosed;
        return "Not shown: " + string.Join(", ", groups
            .OrderByDescending(g => g.Value).ThenBy(g => g.Key.State).ThenBy(g => g.Key.Reason, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Value:N0} {StateText(g.Key.State)} {protocol} {(g.Value == 1 ? "port" : "ports")} ({g.Key.Reason})")));
    }

    private static void Render(ScanReport report, bool all, bool banners)
    {
        var rich = Terminal.RichStdout;
        var first = true;
        var byTarget = report.Results.ToLookup(r => r.Target);
        foreach (var target in report.Targets)
        {
            var group = byTarget[target].ToList();
            var unlisted = report.UnlistedClosedOf(target);
            if (group.Count == 0 && unlisted == 0) continue;
            if (!first) Console.Out.WriteLine();
            first = false;
            Console.Out.WriteLine($"Scan report for {target}");
            var isShown = ShownOn(group, all);
            var shown = group.Where(isShown).ToList();
            if (shown.Count > 0)
            {
                var headers = banners ? new[] { "PORT", "STATE", "SERVICE", "BANNER" } : ["PORT", "STATE", "SERVICE"];
                var rows = shown.Select(r =>
                {
                    IReadOnlyList<string> row = banners
                        ? [$"{r.Port}/{r.Protocol}", StateText(r.State), ServiceRegistry.Default.NameOf(r.Port, r.Protocol) ?? "unknown", r.Banner is { } b ? BannerText.Escape(b, 80) : ""]
                        : [$"{r.Port}/{r.Protocol}", StateText(r.State), ServiceRegistry.Default.NameOf(r.Port, r.Protocol) ?? "unknown"];
                    return row;
                });
                TableWriter.Write(Console.Out, headers, rows, rich);
            }
            var hidden = group.Where(r => !isShown(r)).ToList();
            if (hidden.Count > 0 || unlisted > 0)
                Console.Out.WriteLine(NotShown(hidden, unlisted, report.Protocol));
            else if (shown.Count == 0)
                Console.Out.WriteLine("no ports scanned");
        }
        var hosts = report.Targets.Count;
        if (hosts == 0) return;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Scanned {hosts:N0} {(hosts == 1 ? "host" : "hosts")}, {report.Verdicts:N0} {report.Protocol} {(report.Verdicts == 1 ? "port" : "ports")} in {report.Elapsed.TotalSeconds:0.00}s ({report.PortsPerSecond:N0} ports/s, {report.Probes:N0} probes, up to {report.PeakInFlight:N0} in flight)"));
    }

    private static ScanJsonReport ToJson(ScanReport report, IReadOnlyList<TargetFailure> failures, bool all)
    {
        var byTarget = report.Results.ToLookup(r => r.Target);
        var hosts = report.Targets.Where(t => byTarget[t].Any() || report.UnlistedClosedOf(t) > 0).Select(t => (Key: t, Rows: byTarget[t])).Select(g => new ScanJsonHost(
            g.Key.Input, g.Key.Address.ToString(), g.Key.Name, !report.Unreachable.Contains(g.Key),
            new ScanJsonCounts(g.Rows.Count(r => r.State == PortState.Open), g.Rows.Count(r => r.State == PortState.Closed) + report.UnlistedClosedOf(g.Key),
                g.Rows.Count(r => r.State == PortState.Filtered), g.Rows.Count(r => r.State == PortState.OpenFiltered)),
            [.. g.Rows.Where(ShownOn(g.Rows, all)).Select(r => new ScanJsonPort(r.Port, r.Protocol, StateText(r.State), r.Reason,
                ServiceRegistry.Default.NameOf(r.Port, r.Protocol), r.Tries, r.Rtt?.TotalMilliseconds,
                r.Banner is { } b ? BannerText.Escape(b, int.MaxValue) : null))])).ToList();
        return new ScanJsonReport(report.Protocol, report.Timing, Math.Round(report.Elapsed.TotalSeconds, 4), Math.Round(report.PortsPerSecond),
            report.Probes, report.ParallelCeiling, report.PeakInFlight, report.Ports.Count, hosts,
            [.. failures.Select(f => new ScanJsonFailure(f.Input, f.Reason))]);
    }
}
