using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Benchmarking;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Http;
using Sock.Core.Netcat;
using Sock.Core.Sockets;

namespace Sock.Cli.Commands;

/// <summary>sock bench: throughput, latency percentiles, connection rate and UDP loss of a socket service; and its server side.</summary>
internal static class BenchCommand
{
    private const int DefaultServerPort = 5201;

    public static Command Create()
    {
        var words = new Argument<string[]>("MODE HOST PORT")
        {
            Description = "throughput | echo | pipeline | connect | udp, then the target HOST PORT (or -U PATH); http, then a URL; with --server, an optional PORT",
            Arity = new ArgumentArity(0, 3),
        };
        var server = new Option<bool>("--server") { Description = "Be the receiving side for throughput and udp modes (like iperf3 -s), on PORT (default 5201)" };
        var udp = new Option<bool>("--udp") { Description = "With --server: also take datagrams on the UDP port of the same number" };
        var once = new Option<bool>("--once", "-1") { Description = "With --server: exit after one measurement" };
        var bind = new Option<string?>("--bind", "-B") { Description = "With --server: the address to listen on (default 127.0.0.1, loopback only; 0.0.0.0 or :: to take other machines' clients)" };
        var maxStreams = new Option<int?>("--max-streams") { Description = $"With --server: the most streams one client may have open, all its sessions together (default {BenchServerLimits.DefaultMaxStreams})" };
        var maxBuffer = new Option<string?>("--max-buffer") { Description = "With --server: the largest write size (-s) a client may ask for (default 4M)" };
        var maxDuration = new Option<string?>("--max-duration") { Description = "With --server: the longest measurement a client may ask for, warm-up included (default 1h)" };
        var unix = new Option<string?>("--unix", "-U") { Description = "Target (or, with --server, listen on) a Unix stream socket at PATH" };
        var connections = new Option<int?>("--connections", "-c") { Description = "Connections, or concurrent connect loops (default 1)" };
        var parallel = new Option<int?>("--parallel", "-P") { Description = "Throughput: parallel streams (same as -c)" };
        var duration = new Option<string?>("--duration", "-d") { Description = "Measure for TIME after the warm-up (default 10s unless -n is given): 500ms, 5s, 1m" };
        var count = new Option<string?>("--count", "-n") { Description = "Measure this many messages (connections, datagrams; bytes for throughput, e.g. 1G)" };
        var size = new Option<string?>("--size", "-s") { Description = "Message size (default 64; throughput write size 128K; udp datagram 1024): 64, 1K, 128K" };
        var inFlight = new Option<int?>("--in-flight") { Description = "Pipeline: messages in flight per connection (default 64)" };
        var asyncSockets = new Option<bool>("--async") { Description = "Pipeline: asynchronous sockets always (by default a small run uses one blocking thread per connection, which is faster there)" };
        var rate = new Option<string?>("--rate") { Description = "Open loop: messages (connections, datagrams) per second over all connections, latency from the intended send time (udp default 1000)" };
        var warmup = new Option<string?>("--warmup") { Description = "Run this long before measuring (not counted): 1s" };
        var interval = new Option<string?>("--interval", "-i") { Description = "Seconds between interval lines (default 1s)" };
        var reverse = new Option<bool>("--reverse", "-R") { Description = "Throughput: the server sends, this side receives (needs sock bench --server)" };
        var echo = new Option<bool>("--echo") { Description = "Udp: the target is any UDP echo server; loss, order and latency are measured over the round trip" };
        var ipv4 = new Option<bool>("-4") { Description = "Resolve HOST to IPv4 only" };
        var ipv6 = new Option<bool>("-6") { Description = "Resolve HOST to IPv6 only" };
        var histogram = new Option<string?>("--histogram") { Description = "Write the latency distribution to FILE in HdrHistogram's percentile text format (milliseconds)" };
        var header = new Option<string[]>("--header", "-H") { Description = "Http: add a request header 'Name: value' (repeatable)", HelpName = "HEADER" };
        var http11 = new Option<bool>("--http1.1") { Description = "Http: HTTP/1.1 with sock's own request writer and response reader (the default)" };
        var http2 = new Option<bool>("--http2") { Description = "Http: HTTP/2 through .NET's HttpClient (ALPN over https, prior knowledge over http)" };
        var pipelineDepth = new Option<int?>("--pipeline") { Description = "Http: requests in flight per connection (HTTP/1.1 pipelining, or HTTP/2 streams); default 1" };
        var method = new Option<string?>("--method", "-X") { Description = "Http: the method (default GET, POST with --body)", HelpName = "METHOD" };
        var body = new Option<string?>("--body") { Description = "Http: a body sent with each request: DATA, or @FILE", HelpName = "DATA" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Http: accept any server certificate over https" };
        var cacert = new Option<string?>("--cacert") { Description = "Http: trust the PEM certificates of FILE instead of the system's roots", HelpName = "FILE" };
        var dotnetClient = new Option<bool>("--dotnet-client") { Description = "Http: HTTP/1.1 through .NET's HttpClient instead of sock's own client (to compare them)" };
        var json = GlobalOptions.Json();
        var reportOption = new Option<string?>("--report") { HelpName = "FILE", Description = "Also write the result as charts to FILE: one self-contained HTML page (rate over time, latency percentiles), viewable offline" };
        var command = new Command("bench", """
            Measure a socket service: throughput, latency percentiles, connection rate, UDP loss.

            Measure a socket service: bulk throughput (Gbit/s, sender and receiver side), echo latency percentiles
            (p50/p90/p99/p99.9/max from an HDR histogram), pipelined messages per second, connection rate, and UDP
            delivery (lost, reordered, duplicated, jitter as iperf3 computes it). Every echoed message is checked; counts
            are whole messages. With --rate the load is open loop and latency counts from the intended send time, so a
            stalled server cannot hide (no coordinated omission). 'sock bench --server' is the far side for throughput
            and udp, as iperf3 -s is; throughput against any other sink reports the sender side only. A run with -n
            shows a progress bar on a terminal.

            Examples:
              sock bench --server 5201 --udp                     the receiving side (another terminal or machine)
              sock bench throughput 127.0.0.1 5201 -d 5s -P 2    two streams for five seconds
              sock bench throughput 127.0.0.1 5201 --reverse     the server sends
              sock bench echo 127.0.0.1 7 -c 4 -d 5s             ping-pong latency on four connections
              sock bench echo 127.0.0.1 7 --rate 2000 --histogram lat.hgrm
              sock bench pipeline 127.0.0.1 7 --in-flight 100 -s 32
              sock bench connect 127.0.0.1 80 -c 8 -d 3s
              sock bench udp 127.0.0.1 5201 --rate 10k -s 1200 -d 5s
              sock bench udp 127.0.0.1 7 --echo --rate 500       against any UDP echo server
              sock bench echo -U /run/echo.sock -n 10000 --json
              sock bench http http://127.0.0.1:8080/ -c 64 -d 10s             requests/s, latency, statuses, as wrk
              sock bench http http://127.0.0.1:8080/ -c 16 --rate 20k         open loop, as wrk2
              sock bench http https://127.0.0.1:8443/ --http2 --pipeline 8 -k
              sock bench connect 10.0.0.5 80 --proxy socks5://127.0.0.1:1080   connections through a proxy
              sock bench echo 127.0.0.1 7 -d 10s --report echo.html            throughput and latency as a web page
            """)
        {
            words, server, udp, once, bind, maxStreams, maxBuffer, maxDuration, unix, connections, parallel, duration, count, size, inFlight, asyncSockets, rate, warmup, interval,
            reverse, echo, ipv4, ipv6, histogram, header, http11, http2, pipelineDepth, method, body, insecure, cacert, dotnetClient, json, reportOption,
        };
        var proxyCli = new ProxyCli();
        proxyCli.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = parse.GetValue(words) ?? [];
            var trace = TraceWriter.FromOptions(parse);
            if (parse.GetValue(server) && parse.GetValue(reportOption) is { } serverReport)
                throw SockException.Usage("bench --report", serverReport, "the report is of a measuring run; --server only answers one");
            if (parse.GetValue(server) && parse.GetValue(proxyCli.Proxy) is { } serverProxy)
                throw SockException.Usage("bench --proxy", serverProxy, "a proxy is for the connecting side, not --server");
            if (parse.GetValue(server))
                return await ServeAsync(args, parse.GetValue(udp), parse.GetValue(once), parse.GetValue(bind), parse.GetValue(unix),
                    parse.GetValue(json), ServerLimits(parse.GetValue(maxStreams), parse.GetValue(maxBuffer), parse.GetValue(maxDuration)), trace, ct);
            if (parse.GetValue(maxStreams) is not null || parse.GetValue(maxBuffer) is not null || parse.GetValue(maxDuration) is not null)
                throw SockException.Usage("options", "--max-streams --max-buffer --max-duration", "are limits of the server side: use them with --server");
            if (args.Length == 0)
                throw SockException.Usage("bench", "", "say what to measure: throughput, echo, pipeline, connect or udp (or --server)");
            var httpOnly = new (Option Option, bool Given)[]
            {
                (header, (parse.GetValue(header) ?? []).Length > 0), (http11, parse.GetValue(http11)), (http2, parse.GetValue(http2)),
                (pipelineDepth, parse.GetValue(pipelineDepth) is not null), (method, parse.GetValue(method) is not null),
                (body, parse.GetValue(body) is not null), (insecure, parse.GetValue(insecure)), (cacert, parse.GetValue(cacert) is not null),
                (dotnetClient, parse.GetValue(dotnetClient)),
            };
            if (!args[0].Equals("http", StringComparison.OrdinalIgnoreCase) && httpOnly.FirstOrDefault(o => o.Given).Option is { } misplaced)
                throw SockException.Usage($"bench {misplaced.Name}", args[0], "is an option of http mode");
            var mode = args[0].ToLowerInvariant() switch
            {
                "http" => BenchMode.Http,
                "throughput" or "tput" => BenchMode.Throughput,
                "echo" or "pingpong" => BenchMode.Echo,
                "pipeline" => BenchMode.Pipeline,
                "connect" => BenchMode.Connect,
                "udp" => BenchMode.Udp,
                _ => throw SockException.Usage("bench mode", args[0], "not a mode (throughput, echo, pipeline, connect, udp, http)"),
            };
            var family = (parse.GetValue(ipv4), parse.GetValue(ipv6)) switch
            {
                (true, true) => throw SockException.Usage("bench", "-4 -6", "contradictory options"),
                (true, false) => AddressFamily.InterNetwork,
                (false, true) => AddressFamily.InterNetworkV6,
                _ => AddressFamily.Unspecified,
            };
            var asJson = parse.GetValue(json);
            HttpBenchTarget? http = null;
            if (mode == BenchMode.Http)
            {
                if (parse.GetValue(http11) && parse.GetValue(http2)) throw SockException.Usage("bench", "--http1.1 --http2", "choose one version");
                if (parse.GetValue(dotnetClient) && parse.GetValue(http2)) throw SockException.Usage("bench", "--dotnet-client --http2", "HTTP/2 always runs on .NET's client");
                if (parse.GetValue(size) is not null || parse.GetValue(inFlight) is not null)
                    throw SockException.Usage("bench http", parse.GetValue(size) is not null ? "-s" : "--in-flight", "http mode sends the request the URL and options make (--pipeline for requests in flight)");
                if (args.Length != 2) throw SockException.Usage("bench http", string.Join(' ', args[1..]), "needs one URL (http://HOST[:PORT]/PATH)");
                var bodyText = parse.GetValue(body);
                http = new HttpBenchTarget
                {
                    Url = HttpCommand.ParseUrl(args[1]),
                    Method = parse.GetValue(method),
                    Headers = [.. (parse.GetValue(header) ?? []).Select(HttpCommand.ParseHeader)],
                    Body = bodyText is null ? null : (ReadOnlyMemory<byte>?)HttpCommand.Body(bodyText, "--body"),
                    Version = parse.GetValue(http2) ? HttpVersionChoice.Http2 : HttpVersionChoice.Http11,
                    Pipeline = parse.GetValue(pipelineDepth) ?? 1,
                    DotNetClient = parse.GetValue(dotnetClient),
                    Insecure = parse.GetValue(insecure),
                    TrustFile = parse.GetValue(cacert),
                };
                if (http.TrustFile is { } trust && !File.Exists(trust)) throw SockException.Usage("--cacert", trust, "no such file");
                args = [args[0], http.Url.IdnHost, http.Url.Port.ToString(CultureInfo.InvariantCulture)];
                if (parse.GetValue(unix) is not null) args = [args[0]];
            }
            EndPoint target;
            try
            {
                target = await Target(args, parse.GetValue(unix), family, ct);
            }
            catch (SockException ex) when (asJson && ex.Kind != SockErrorKind.Usage)
            {
                WriteJsonError(mode.ToString().ToLowerInvariant(), string.Join(' ', args.Skip(1)), ex);
                throw;
            }
            // -P is iperf3's name for -c: a count out of range is said with the option the user typed.
            if (parse.GetValue(connections) is null && parse.GetValue(parallel) is { } streams and (< 1 or > BenchRunner.MaxConnections))
                throw SockException.Usage("bench -P", streams.ToString(CultureInfo.InvariantCulture), $"streams must be 1 to {BenchRunner.MaxConnections}");
            var c = parse.GetValue(connections) ?? parse.GetValue(parallel) ?? 1;
            var defaultSize = mode switch { BenchMode.Throughput => 128 * 1024, BenchMode.Udp => 1024, _ => 64 };
            var sizeText = parse.GetValue(size);
            var sz = sizeText is null ? defaultSize : Quantities.ParseSize(sizeText, "bench -s");
            if (sz is < 1 or > 64 * 1024 * 1024) throw SockException.Usage("bench -s", sizeText ?? "", "size must be 1 byte to 64 MiB");
            var countText = parse.GetValue(count);
            long? n = countText is null ? null : mode == BenchMode.Throughput ? ByteCount(countText) : Quantities.ParseCount(countText, "bench -n");
            var options = new BenchOptions
            {
                Mode = mode,
                Target = target,
                Connections = c,
                Duration = parse.GetValue(duration) is { } d ? Durations.Parse(d, "bench -d") : null,
                Count = n,
                Size = (int)sz,
                InFlight = parse.GetValue(inFlight) ?? 64,
                Rate = parse.GetValue(rate) is { } r ? Quantities.ParseRate(r, "bench --rate") : null,
                Warmup = parse.GetValue(warmup) is { } w ? Durations.Parse(w, "bench --warmup") : TimeSpan.Zero,
                Interval = parse.GetValue(interval) is { } i ? Durations.Parse(i, "bench -i") : TimeSpan.FromSeconds(1),
                Reverse = parse.GetValue(reverse),
                UdpEcho = parse.GetValue(echo),
                AsyncSockets = parse.GetValue(asyncSockets),
                Http = http,
                Proxy = proxyCli.Read(parse),
            };
            // HTTP mode's connections do not go through the proxy client yet: refused rather than ignored.
            if (options.Proxy is not null && mode == BenchMode.Http)
                throw SockException.Usage("bench http --proxy", options.Proxy.ToString(), "HTTP load through a proxy is not supported yet");
            if (options.Proxy is not null && (mode == BenchMode.Udp || target is not IPEndPoint))
                throw SockException.Usage("bench --proxy", options.Proxy.ToString(), mode == BenchMode.Udp
                    ? "proxies carry TCP connections; udp mode cannot go through one" : "proxies carry TCP connections, not Unix sockets");
            if (options.AsyncSockets && mode != BenchMode.Pipeline) throw SockException.Usage("bench --async", args[0], "--async is for pipeline mode (the other modes are asynchronous already)");
            if (options.UdpEcho && mode != BenchMode.Udp) throw SockException.Usage("bench --echo", args[0], "--echo is for udp mode (echo mode always needs an echo server)");
            var histogramFile = parse.GetValue(histogram);
            if (histogramFile is not null && mode == BenchMode.Throughput)
                throw SockException.Usage("bench --histogram", histogramFile, "throughput mode measures no latency");
            if (histogramFile is not null && mode == BenchMode.Udp && !options.UdpEcho)
                throw SockException.Usage("bench --histogram", histogramFile, "udp mode measures latency only with --echo (round trip)");
            // Opened before the run: a path that cannot be written fails now, not after the measurement.
            using var reportFile = parse.GetValue(reportOption) is { } reportPath ? Ui.ResultReport.Create(reportPath, "--report") : null;
            // The bar shares stderr with nothing but the live lines: not with --trace, whose lines go there too.
            var bar = options.Count is { } total && trace is null && Terminal.RichStderr
                ? new BenchProgressBar(Console.Error, mode == BenchMode.Throughput ? BenchRunner.Size(total) : string.Create(CultureInfo.InvariantCulture, $"{total:N0} {Unit(mode)}"))
                : null;
            var renderer = new BenchRenderer(asJson ? (Terminal.RichStderr ? Console.Error : null) : Console.Out, bar);
            BenchReport report;
            try
            {
                report = await BenchRunner.RunAsync(options, renderer, trace, ct);
            }
            catch (SockException ex) when (asJson && ex.Kind != SockErrorKind.Usage)
            {
                // As scan does, stdout says what failed too; the line on stderr and the exit code stay as without --json.
                WriteJsonError(mode.ToString().ToLowerInvariant(), EndpointText.Format(target), ex);
                throw;
            }
            finally
            {
                bar?.Close();
            }
            if (histogramFile is not null && report.Histogram is not null)
            {
                try
                {
                    using var file = new StreamWriter(histogramFile);
                    HistogramPercentileText.Write(report.Histogram, file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw SockException.Usage("bench --histogram", histogramFile, ex.Message.TrimEnd('.'));
                }
            }
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(report, SockJson.Default.BenchReport));
            else BenchRenderer.Final(Console.Out, report, Terminal.RichStdout);
            reportFile?.Write(Ui.UiResult.FromBench(report, $"sock bench {report.Setup.Mode} {report.Setup.Target}"));
            if (report.Totals.Mismatches > 0 || report.Totals.Errors > 0 || (report.Totals.Messages == 0 && report.Totals.BytesSent == 0 && report.Totals.BytesReceived == 0))
            {
                Console.Out.Flush();
                var why = report.Totals.FirstError ?? "nothing was measured";
                Console.Error.WriteLine($"sock: bench {report.Setup.Mode} {report.Setup.Target}: {why}"
                    + (report.Totals.Errors + report.Totals.Mismatches > 1 ? $" ({report.Totals.Errors + report.Totals.Mismatches} errors in all)" : ""));
                return ExitCodes.NetworkError;
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteJsonError(string mode, string target, SockException ex) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(
            new BenchJsonError(mode, target, ErrorText.For(ex)["sock: ".Length..], ExitCodes.For(ex)), SockJson.Default.BenchJsonError));

    private static string Unit(BenchMode mode) => mode switch
    {
        BenchMode.Connect => "connections",
        BenchMode.Udp => "datagrams",
        BenchMode.Http => "requests",
        _ => "messages",
    };

    private static long ByteCount(string text)
    {
        // Throughput counts bytes: a size, and at least one byte of it.
        var v = Quantities.ParseSize(text, "bench -n");
        if (v < 1) throw SockException.Usage("bench -n", text, "not a count of bytes (at least 1: 64K, 1M, 1G)");
        return v;
    }

    private static async Task<EndPoint> Target(string[] args, string? unixPath, AddressFamily family, CancellationToken ct)
    {
        if (unixPath is not null)
        {
            if (args.Length > 1) throw SockException.Usage("bench", string.Join(' ', args[1..]), "give either HOST PORT or -U PATH, not both");
            return EndpointText.UnixEndPoint(unixPath, "-U");
        }
        if (args.Length < 3) throw SockException.Usage("bench", string.Join(' ', args), "needs a target: MODE HOST PORT (or MODE -U PATH)");
        var port = Ports.Parse(args[2]);
        var addresses = await NameResolver.ResolveAsync(args[1], family, cancellationToken: ct);
        return new IPEndPoint(addresses[0], port);
    }

    private static BenchServerLimits ServerLimits(int? streams, string? buffer, string? duration)
    {
        if (streams is < 1 or > 100_000)
            throw SockException.Usage("--max-streams", streams.Value.ToString(CultureInfo.InvariantCulture), "must be from 1 to 100000");
        var bytes = buffer is null ? BenchServerLimits.DefaultMaxBuffer : Quantities.ParseSize(buffer, "--max-buffer");
        if (bytes is < 1 or > 64 << 20)
            throw SockException.Usage("--max-buffer", buffer!, "must be from 1 byte to 64M (the client's largest -s)");
        var time = duration is null ? BenchServerLimits.DefaultMaxDuration : Durations.Parse(duration, "--max-duration");
        if (time <= TimeSpan.Zero || time > TimeSpan.FromDays(7))
            throw SockException.Usage("--max-duration", duration!, "must be more than zero and at most 7 days");
        return new BenchServerLimits { MaxStreams = streams ?? BenchServerLimits.DefaultMaxStreams, MaxBuffer = (int)bytes, MaxDuration = time };
    }

    private static async Task<int> ServeAsync(string[] args, bool udp, bool once, string? bind, string? unixPath, bool json,
        BenchServerLimits limits, Sock.Core.Tracing.SocketTrace? trace, CancellationToken ct)
    {
        if (args.Length > 1) throw SockException.Usage("bench --server", string.Join(' ', args), "takes at most a PORT");
        EndPoint listen;
        if (unixPath is not null)
        {
            if (args.Length > 0) throw SockException.Usage("bench --server", args[0], "give either a PORT or -U PATH, not both");
            listen = EndpointText.UnixEndPoint(unixPath, "-U");
        }
        else
        {
            var port = args.Length > 0 ? Ports.Parse(args[0], "port", allowZero: true) : DefaultServerPort;
            // Loopback unless an address is given: the server sends and takes data for anyone who asks, unauthenticated,
            // so reaching other machines is the user's explicit choice (-B 0.0.0.0), not a default (as iperf3's is).
            var address = bind is null ? IPAddress.Loopback : EndpointText.ParseAddress(bind, "bind address");
            listen = new IPEndPoint(address, port);
        }
        // As listen and serve: a stale socket file is replaced; a live one, a link or any other file is refused.
        if (unixPath is not null) UnixSocketFile.PrepareForBind(unixPath);
        var log = new BenchServerLog(Console.Out, json);
        await using var benchServer = new BenchServer(listen, udp, trace, log, limits);
        benchServer.Start();
        var where = EndpointText.Format(benchServer.LocalEndPoint);
        if (!json)
        {
            var loopbackOnly = bind is null && unixPath is null ? "; loopback only, -B 0.0.0.0 for other machines" : "";
            Console.Out.WriteLine($"sock bench server listening on {where} ({(udp ? "tcp and udp" : unixPath is null ? "tcp" : "unix")}{loopbackOnly}){(once ? ", one measurement" : "")}");
            Console.Out.Flush();
        }
        try
        {
            await benchServer.RunAsync(once, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        finally
        {
            if (unixPath is not null)
            {
                UnixSocketFile.RemoveOnExit(unixPath);
                UnixSocketFile.Remove(unixPath);
            }
        }
        return ExitCodes.Success;
    }

    private sealed class BenchServerLog(TextWriter output, bool json) : IBenchServerObserver
    {
        private readonly Lock _gate = new();

        public void SessionStarted(string peer, string request)
        {
            if (json) return;
            lock (_gate)
            {
                output.WriteLine($"{peer}: {request}");
                output.Flush();
            }
        }

        public void SessionEnded(BenchServerSession session)
        {
            lock (_gate)
            {
                if (json)
                {
                    output.WriteLine(JsonSerializer.Serialize(session, SockJson.Default.BenchServerSession));
                }
                else if (session.Udp is { } u)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{session.Peer}: udp {u.Delivered}/{u.Sent} datagrams delivered, {u.Lost} lost ({u.LossPercent:0.###}%), {u.Reordered} reordered, {u.Duplicated} duplicated, jitter {u.JitterMs:0.###} ms"));
                }
                else
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{session.Peer}: {session.Kind} {session.Streams} stream(s) {(session.Reverse ? "sent" : "received")} {session.Bytes} bytes in {session.Seconds:0.###} s = {session.Gbps:0.###} Gbit/s"));
                }
                output.Flush();
            }
        }

        public void Problem(string peer, string what)
        {
            lock (_gate) Console.Error.WriteLine($"sock: bench server: {peer}: {what}");
        }
    }
}
