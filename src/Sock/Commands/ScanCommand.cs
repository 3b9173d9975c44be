using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Scanning;

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
        var report = new Option<string?>("--report") { HelpName = "FILE", Description = "Also write the result as charts to FILE: one self-contained HTML page (open ports by host), viewable offline" };
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
              sock scan 10.0.0.5 -p 22,80 --proxy socks5://127.0.0.1:1080   through a proxy, as nmap --proxies
              sock scan 127.0.0.0/29 -p 1-1024 --report scan.html            the open ports as a heat map in a web page
            """)
        {
            targets, ports, top, udp, all, banner, timing, maxParallel, retries, timeout, ipv4, ipv6, noDns, engine, workers, json, report,
        };
        var proxyCli = new ProxyCli();
        proxyCli.AddTo(command);
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
            // Both choose how the TCP connect scan runs; a UDP scan or the portable engine has nothing to apply them to.
            if (protocol == "udp" && (parse.GetResult(engine) is not null || workerCount is not null))
                throw SockException.Usage(parse.GetResult(engine) is not null ? "--engine" : "--workers", "--udp", "chooses how the TCP connect scan runs; a UDP scan has one engine");
            if (workerCount is not null && connectEngine == ScanEngine.Portable)
                throw SockException.Usage("--workers", "--engine portable", "sets the epoll engine's threads; the portable engine has none");
            if (connectEngine == ScanEngine.Epoll && !OperatingSystem.IsLinux())
                throw SockException.Usage("--engine", "epoll", "the epoll engine runs on Linux only; use portable");
            var proxy = proxyCli.Read(parse);
            if (proxy is not null && protocol == "udp")
                throw SockException.Usage("--proxy", proxy.ToString(), "proxies carry TCP connections; a UDP scan cannot go through one");
            if (proxy is not null && (parse.GetResult(engine) is not null || workerCount is not null))
                throw SockException.Usage(parse.GetResult(engine) is not null ? "--engine" : "--workers", "--proxy",
                    "chooses how direct connects run; through a proxy each port is a connect through the chain");
            var family = parse.GetValue(ipv4) ? AddressFamily.InterNetwork : parse.GetValue(ipv6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;

            // Opened before the scan: a path that cannot be written fails now, not after a long scan.
            using var reportFile = parse.GetValue(report) is { } reportPath ? Ui.ResultReport.Create(reportPath, "--report") : null;
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
                Proxy = proxy,
            };
            ScanReport result;
            try
            {
                result = protocol == "udp"
                    ? await PortScanner.ScanUdpAsync(hosts, portList, options, ct)
                    : await PortScanner.ScanTcpAsync(hosts, portList, options, ct);
            }
            finally
            {
                bar?.Close();
            }
            IRenderer<ScanOutcome> renderer = parse.GetValue(json)
                ? new ScanJsonRenderer(Console.Out, parse.GetValue(all))
                : new ScanTextRenderer(Console.Out, parse.GetValue(all), parse.GetValue(banner));
            renderer.Render(new ScanOutcome(result, failures));
            reportFile?.Write(Ui.UiResult.FromScan(ScanJsonRenderer.ToJson(result, failures, parse.GetValue(all)),
                "sock scan " + string.Join(' ', parse.GetValue(targets) ?? [])));
            foreach (var u in result.Unreachable)
                Console.Error.WriteLine($"sock: scan {u} failed: unreachable (no route: every probe met a network or host unreachable)");
            return failures.Count > 0 || result.Unreachable.Count > 0 || (hosts.Count == 0) ? ExitCodes.NetworkError : ExitCodes.Success;
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
}
