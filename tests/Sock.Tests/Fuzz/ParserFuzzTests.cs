using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Cli.Commands;
using Sock.Core.Benchmarking;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection.Filtering;
using Sock.Core.Netcat;
using Sock.Core.Scanning;

namespace Sock.Tests.Fuzz;

/// <summary>
/// The fuzz stage: every parser that reads the command line or the network is fed mutated inputs (a seeded mutator
/// over a corpus of valid ones). The property, for each: it returns or throws sock's usage error (one line, a reason),
/// never another exception; it never hangs; what it returns is bounded. A failure names the seed and the input, and
/// SOCK_FUZZ_SEED=N replays it (or explores further). The counts keep the whole stage to a few seconds.
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("SOCK_FUZZ_SEED"), out var s) ? s : 20261206;

    // No hang: a parser that has not finished its cases by then is stuck (each case takes micro- to milliseconds).
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static async Task FuzzAsync<T>(string parser, int cases, Func<T> next, Func<T, string> show, Action<T> parse)
    {
        string? current = null;
        var work = Task.Run(() =>
        {
            for (var i = 0; i < cases; i++)
            {
                var input = next();
                Volatile.Write(ref current, show(input));
                try
                {
                    parse(input);
                }
                catch (SockException ex) when (ex.Kind == SockErrorKind.Usage)
                {
                    if (string.IsNullOrWhiteSpace(ex.Reason) || ex.Reason.Contains('\n') || string.IsNullOrWhiteSpace(ex.Operation))
                        throw new Xunit.Sdk.XunitException($"{parser}: a usage error that is not one line with a reason: '{ex.Operation}' '{ex.Reason}' for {Shown(show(input))} (seed {Seed})");
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"{parser}: {ex.GetType().Name}: {ex.Message} for {Shown(show(input))} (seed {Seed}, case {i})");
                }
            }
        });
        if (await Task.WhenAny(work, Task.Delay(Limit)) != work)
            Assert.Fail($"{parser}: no answer within {Limit.TotalSeconds:0} s for {Shown(Volatile.Read(ref current) ?? "")} (seed {Seed})");
        await work;
    }

    private static string Shown(string input)
    {
        var escaped = input.Length > 300 ? input[..300] + $"... ({input.Length:N0} chars)" : input;
        return "'" + escaped.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal) + "'";
    }

    private static string Words(string[] words) => string.Join(" | ", words);

    private static void Bounded(bool condition, string what)
    {
        if (!condition) throw new Xunit.Sdk.XunitException("unbounded or malformed output: " + what);
    }

    [Fact]
    public Task ncat_command_line()
    {
        var m = new InputMutator(Seed, [
            "-lvnp 8080", "-l 127.0.0.1 9000", "-w5 127.0.0.1 80", "--wait=5 -C example.com 80", "-u -l -k 127.0.0.1 53",
            "-U /tmp/x.sock", "--broker -m 10 -l 8080", "--chat -l 0", "-e /bin/cat -lk 8000", "-c echo -l 8000",
            "--ssl --ssl-alpn h2,http/1.1 example.com 443", "--allow 10.0.0.0/8,::1 --deny 1.2.3.4 -lk 0", "-q 1 -i 2s -d 100ms host 80",
            "-- -l 80", "-4 -v host", "--send-only host 1", "-zv 127.0.0.1 22", "-s 127.0.0.1 -p 4000 host 80", "-o rec -x hex host 9",
            "--no-shutdown --recv-only -n ::1 8080", "-h", "--version",
        ], ["-", "--", "-l", "-k", "-p", "-w", "-v", "-e", "-c", "-i", "-q", "-m", "-d", "-s", "-u", "-U", "-4", "-6", "-z", "--ssl", "--ssl-verify",
            "--allow", "--deny", "--broker", "--chat", "--lua-exec", "-t", "-g", "--proxy", "=", "65536", "0", "-1", "80x", "::1", "[::1]", " "]);
        return FuzzAsync("ncat command line", 2000, m.NextWords, Words, words => NcatCommandLine.Parse(words));
    }

    [Fact]
    public Task stat_filter()
    {
        var m = new InputMutator(Seed, [
            "state established", "( dport = :443 or sport = :8080 )", "exclude time-wait dst 127.0.0.0/8", "src [::1]:22",
            "sport >= :1024 and not dport eq :22", "!state listening", "dst *:80", "src /run/*", "state big exclude listening",
            "sport neq :ssh || dport lt :1000 && src 10.0.0.0/8", "not ( not ( sport = :1 ) )",
        ], ["(", ")", " and ", " or ", " not ", "!", "sport", "dport", "src", "dst", "state", "exclude", " = ", " != ", "<=", ":", "[", "]", "/", "*", "::ffff:1.2.3.4", " "]);
        return FuzzAsync("stat filter", 1500, m.Next, t => t, text =>
        {
            var f = SocketFilter.Parse(text);
            Bounded(f.Text.Length <= text.Length, "the filter's text is longer than its input");
        });
    }

    [Fact]
    public Task port_specs()
    {
        var m = new InputMutator(Seed, ["22,80,8000-8100", "-1024", "60000-", "-", "1-65535", "http,ssh", "http-alt,53", "7", "0", "65535"],
            [",", "-", "http", "ssh", "65536", "0", "99999999999", " ", ",,"]);
        return FuzzAsync("port specs", 1500, m.Next, t => t, text =>
        {
            try
            {
                Ports.Parse(text, "port", allowZero: true);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Usage)
            {
            }
            var ports = PortSpec.Parse(text);
            Bounded(ports.Count is >= 1 and <= 65535, $"{ports.Count} ports");
            for (var i = 0; i < ports.Count; i++)
                Bounded(ports[i] is >= 1 and <= 65535 && (i == 0 || ports[i] > ports[i - 1]), $"port {ports[i]} at {i}");
        });
    }

    [Fact]
    public Task target_specs()
    {
        var m = new InputMutator(Seed, ["127.0.0.1", "127.0.0.0/30", "::1", "[::1]", "fd00::/120", "127.0.0.0/16 127.1.0.0/24", "localhost", "127.0.0.1 ::1"],
            ["/", "/16", "/24", "/32", "/0", "/129", "::", ".", "[", "]", " ", "127.0.0.", "ffff:", "0x7f"]);
        return FuzzAsync("target specs", 300, m.NextWords, Words, words =>
        {
            // -n: no name is ever looked up, so the fuzz touches no resolver and no network.
            var (targets, failures) = TargetSpec.ResolveAsync(words, noDns: true).GetAwaiter().GetResult();
            Bounded(targets.Count <= TargetSpec.MaxTargets, $"{targets.Count} targets");
            Bounded(failures.Count <= words.Length, $"{failures.Count} failures");
        });
    }

    [Fact]
    public Task endpoint_text()
    {
        var m = new InputMutator(Seed, ["127.0.0.1:8080", "[::1]:22", "::1", "10.0.0.1", "[fe80::1%eth0]:80", "host:80", "0.0.0.0:0", "[::ffff:127.0.0.1]:9"],
            [":", "[", "]", "%", ".", "65536", "-1", "::", "ffff"]);
        return FuzzAsync("endpoint text", 2000, m.Next, t => t, text =>
        {
            EndpointText.Split(text);
            try
            {
                EndpointText.ParseAddress(text);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Usage)
            {
            }
            var ep = EndpointText.ParseIPEndPoint(text, allowZeroPort: true);
            Bounded(ep.Port is >= 0 and <= 65535, $"port {ep.Port}");
        });
    }

    [Fact]
    public Task durations_and_quantities()
    {
        var m = new InputMutator(Seed, ["500ms", "2s", "1.5m", "1h", "10", "64", "128K", "1MiB", "4G", "10k", "1.5M", "500/s", "normal", "4"],
            ["ms", "s", "m", "h", "K", "M", "G", "iB", ".", "-", "e308", "/s", "NaN", "Infinity"]);
        return FuzzAsync("durations and quantities", 2000, m.Next, t => t, text =>
        {
            foreach (var parse in (Action[])[
                () => Bounded(Durations.Parse(text, "-w") is var d && d.Duration() <= TimeSpan.MaxValue / 2, "duration"),
                () => Bounded(Quantities.ParseSize(text, "-s") >= 0, "negative size"),
                () => Bounded(Quantities.ParseRate(text, "--rate") is > 0 and < double.PositiveInfinity, "rate"),
                () => ScanTiming.Parse(text),
            ])
            {
                try
                {
                    parse();
                }
                catch (SockException ex) when (ex.Kind == SockErrorKind.Usage && !string.IsNullOrWhiteSpace(ex.Reason) && !ex.Reason.Contains('\n'))
                {
                }
            }
        });
    }

    [Fact]
    public Task access_list_entries()
    {
        var m = new InputMutator(Seed, ["10.0.0.0/8", "::1", "::ffff:0:0/96", "127.0.0.1", "fd00::/8", "::ffff:127.0.0.1"],
            ["/", "/96", "/33", "/129", ":", ".", "ffff", "::"]);
        var peers = new[] { IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("::ffff:127.0.0.1"), IPAddress.Parse("10.1.2.3") };
        return FuzzAsync("access list entries", 1500, m.Next, t => t, text =>
        {
            var list = AccessList.CreateAsync([text], [text], noDns: true, CancellationToken.None).GetAwaiter().GetResult();
            foreach (var p in peers) list.Admits(p);
        });
    }

    [Fact]
    public async Task bench_server_control_lines()
    {
        // The server side of the bench protocol, over the network: mutated request lines to a live server. Each gets
        // OK, one ERR line, or a closed connection; afterwards the server still serves and holds no stream.
        await using var server = new BenchServer(new IPEndPoint(IPAddress.Loopback, 0), udp: false);
        server.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var serving = server.RunAsync(once: false, stop.Token);
        var endpoint = server.LocalEndPoint!;
        var m = new InputMutator(Seed, [
            "TCP cookie=1a2b3c4d streams=1 reverse=0 size=131072 duration_ms=1000 count=0 warmup_ms=0 interval_ms=1000",
            "TCP cookie=0000abcd streams=4 reverse=1 size=1024 duration_ms=0 count=1048576 warmup_ms=100 interval_ms=10",
            "UDP cookie=deadbeef size=1024",
        ], ["=", " ", "streams=", "size=", "reverse=1", "duration_ms=", "count=", "cookie=", "99999999999999999999", "-1", "TCP", "UDP", "\n", "DONE", "START"]);
        string? current = null;
        var work = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var rest = m.Next();
                var line = (i % 10 == 0 ? "" : BenchControl.Magic + " ") + rest;
                if (line.Length > 4096) line = line[..4096];
                current = line;
                using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await c.ConnectAsync(endpoint, cts.Token);
                try
                {
                    await c.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), cts.Token);
                    var reply = await ReadLineAsync(c, cts.Token);
                    if (reply is null) continue;
                    if (!(reply == "SOCKBENCH/1 OK" || (reply.StartsWith("SOCKBENCH/1 ERR ", StringComparison.Ordinal) && reply.Length < 2048)))
                        throw new Xunit.Sdk.XunitException($"bench server: a reply that is neither OK nor one ERR line: {Shown(reply)} for {Shown(line)} (seed {Seed})");
                    if (reply == "SOCKBENCH/1 OK")
                    {
                        await c.SendAsync("DONE bytes=0 sent=0\n"u8.ToArray(), cts.Token);
                        var result = await ReadLineAsync(c, cts.Token);
                        if (result is not null && !result.StartsWith("RESULT ", StringComparison.Ordinal))
                            throw new Xunit.Sdk.XunitException($"bench server: {Shown(result)} after DONE for {Shown(line)} (seed {Seed})");
                    }
                }
                catch (SocketException)
                {
                    // The server closed or reset the connection: a defined outcome for a line it does not take.
                }
            }
        });
        if (await Task.WhenAny(work, Task.Delay(Limit)) != work)
            Assert.Fail($"bench server: no answer within {Limit.TotalSeconds:0} s for {Shown(current ?? "")} (seed {Seed})");
        await work;

        using (var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await c.ConnectAsync(endpoint, cts.Token);
            await c.SendAsync("SOCKBENCH/1 TCP cookie=0badf00d streams=1 reverse=0 size=1024 duration_ms=500 count=0 warmup_ms=0 interval_ms=1000\n"u8.ToArray(), cts.Token);
            Assert.Equal("SOCKBENCH/1 OK", await ReadLineAsync(c, cts.Token));
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (server.StreamsInUse != 0 && sw.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
        Assert.Equal(0, server.StreamsInUse);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    private static async Task<string?> ReadLineAsync(Socket s, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (sb.Length < 1 << 17)
        {
            if (await s.ReceiveAsync(one, SocketFlags.None, ct) == 0) return sb.Length == 0 ? null : sb.ToString();
            if (one[0] == '\n') return sb.ToString();
            sb.Append((char)one[0]);
        }
        return sb.ToString();
    }
}
