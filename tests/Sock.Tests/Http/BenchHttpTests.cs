using System.Text.Json;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Http;

/// <summary>
/// sock bench http against real servers — Python's http.server (keep-alive HTTP/1.1, and HTTP/1.0 closing after every
/// response), nginx (HTTP/1.1 pipelined, HTTP/2), a server that closes without answering — with counts that add up: every
/// request is a response (by status) or an error (by kind), and the server's own log agrees with what sock counted.
/// </summary>
public sealed class BenchHttpTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private sealed record Figures(int Exit, JsonElement Report, SockRun Run)
    {
        public JsonElement Http => Report.GetProperty("http");
        public long Requests => Http.GetProperty("requests").GetInt64();
        public long Status(string code) => Http.GetProperty("statuses").TryGetProperty(code, out var v) ? v.GetInt64() : 0;
        public long StatusTotal => Http.GetProperty("statuses").EnumerateObject().Sum(p => p.Value.GetInt64());
        public long ErrorTotal => Http.GetProperty("errors").EnumerateObject().Sum(p => p.Value.GetInt64());
        public long Error(string kind) => Http.GetProperty("errors").TryGetProperty(kind, out var v) ? v.GetInt64() : 0;
        public long Messages => Report.GetProperty("totals").GetProperty("messages").GetInt64();
        public long Unfinished => Http.GetProperty("unfinished").GetInt64();
        public long Reconnects => Http.GetProperty("reconnects").GetInt64();
    }

    private static async Task<Figures> Bench(params string[] args)
    {
        var run = await SockRunner.RunAsync(["bench", "http", .. args, "--json"], timeout: Limit);
        using var doc = JsonDocument.Parse(run.Stdout);
        return new Figures(run.ExitCode, doc.RootElement.Clone(), run);
    }

    private static TempDirectory Site()
    {
        var dir = new TempDirectory("sock-bench-http-");
        File.WriteAllText(dir.File("note.txt"), "hello from the test\n");
        return dir;
    }

    /// <summary>The invariant every run keeps: requests = responses by status + errors by kind, and responses = the totals' messages.</summary>
    private static void AddsUp(Figures f)
    {
        Assert.Equal(f.Requests, f.StatusTotal + f.ErrorTotal);
        Assert.Equal(f.Messages, f.StatusTotal);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_counted_run_sends_exactly_that_many_requests_and_the_server_logs_each(string transport)
    {
        using var site = Site();
        await using var server = await PythonHttpServer.StartAsync(transport, site.Path);
        var f = await Bench([server.Url("/note.txt"), .. transport == Transports.Unix ? ["-U", server.Where] : Array.Empty<string>(), "-c", "2", "-n", "200"]);
        Assert.True(f.Exit == 0, f.Run.ToString());
        AddsUp(f);
        Assert.Equal(200, f.Requests);
        Assert.Equal(200, f.Status("200"));
        Assert.Equal(0, f.ErrorTotal);
        Assert.Equal(0, f.Unfinished);
        // The server's log, one line per request it answered, is written after the response goes out: give the last
        // lines a moment to arrive (bounded), then they must be exactly the 200 sock counted.
        for (var i = 0; i < 50 && server.Logged("/note.txt") < 200; i++) await Task.Delay(100);
        Assert.Equal(200, server.Logged("/note.txt"));
    }

    [Fact]
    public async Task against_an_http10_server_each_response_closes_the_connection_and_sock_reconnects_without_errors()
    {
        using var site = Site();
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path, http10: true);
        var f = await Bench([server.Url("/note.txt"), "-c", "2", "-n", "60"]);
        Assert.True(f.Exit == 0, f.Run.ToString());
        AddsUp(f);
        Assert.Equal(60, f.Status("200"));
        Assert.Equal(0, f.ErrorTotal);
        // Two connections were open before the clock; every other response came on a connection opened after a close.
        Assert.True(f.Reconnects >= 58, f.Run.Stdout);
        for (var i = 0; i < 50 && server.Logged("/note.txt") < 60; i++) await Task.Delay(100);
        Assert.Equal(60, server.Logged("/note.txt"));
    }

    [Fact]
    public async Task statuses_are_counted_by_code_and_chunked_bodies_are_read_whole()
    {
        using var site = Site();
        await using var server = await PythonHttpServer.StartAsync(Transports.Tcp4, site.Path);
        var missing = await Bench([server.Url("/status/404"), "-c", "2", "-n", "50"]);
        Assert.True(missing.Exit == 0, missing.Run.ToString());
        AddsUp(missing);
        Assert.Equal(50, missing.Status("404"));
        Assert.Equal(50, missing.Http.GetProperty("non2xx3xx").GetInt64());

        // A chunked body misread would leave bytes that the next response's head is parsed from: malformed, or a hang.
        var chunked = await Bench([server.Url("/chunked"), "-c", "1", "-n", "50", "--pipeline", "4"]);
        Assert.True(chunked.Exit == 0, chunked.Run.ToString());
        AddsUp(chunked);
        Assert.Equal(50, chunked.Status("200"));
        Assert.Equal(0, chunked.ErrorTotal);
    }

    [Fact]
    public async Task plain_http_runs_on_its_own_epoll_threads_and_a_traced_run_on_dotnets_engine()
    {
        // Plain http in a closed loop is driven as wrk drives it: threads of sock's own, named "sock bench http", each over
        // an epoll set. --trace needs the traced socket calls, so it stays on .NET's engine, which has no such thread.
        if (!OperatingSystem.IsLinux()) return;
        using var site = Site();
        await using var nginx = await NginxServer.StartAsync(site.Path, http2: false, accessLog: false);
        var url = $"http://127.0.0.1:{nginx.Port}/note.txt";
        Assert.True(await SeesThreadAsync(["bench", "http", url, "-c", "4", "-d", "2s"], "sock bench http"), "no 'sock bench http' thread in a plain run");
        Assert.False(await SeesThreadAsync(["--trace", "bench", "http", url, "-c", "1", "-n", "200"], "sock bench http"), "a traced run took the epoll path");
    }

    /// <summary>Whether a thread named <paramref name="name"/> shows in /proc while sock runs <paramref name="args"/> to its end.</summary>
    private static async Task<bool> SeesThreadAsync(string[] args, string name)
    {
        using var p = SockRunner.Start(args);
        // Drained, so a chatty run never blocks on a full pipe.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var seen = false;
        var deadline = DateTime.UtcNow + Limit;
        while (!p.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                seen |= Directory.GetDirectories($"/proc/{p.Id}/task")
                    .Any(t => File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n') == name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process or a thread ended while it was read.
            }
            await Task.Delay(20);
        }
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"sock {string.Join(' ', args)}: exit {p.ExitCode}; {await stderr}");
        await stdout;
        return seen;
    }

    [Fact]
    public async Task pipelined_requests_to_nginx_add_up_with_its_access_log()
    {
        using var site = Site();
        await using var nginx = await NginxServer.StartAsync(site.Path, http2: false, accessLog: true);
        var f = await Bench([$"http://127.0.0.1:{nginx.Port}/note.txt", "-c", "4", "-d", "2s", "--pipeline", "8"]);
        Assert.True(f.Exit == 0, f.Run.ToString());
        AddsUp(f);
        Assert.Equal(0, f.ErrorTotal);
        Assert.True(f.Status("200") > 0, f.Run.Stdout);
        Assert.Equal(8, f.Report.GetProperty("setup").GetProperty("inFlight").GetInt32());
        // nginx logged every request it answered: all that sock counted, and at most what was still in flight at the end.
        var logged = nginx.AccessLog.Count(l => l.Contains("\"GET /note.txt HTTP/1.1\" 200", StringComparison.Ordinal));
        Assert.InRange(logged, f.Status("200"), f.Status("200") + f.Unfinished + 4 * 8);
    }

    [Fact]
    public async Task http2_through_dotnets_client_against_nginx_adds_up()
    {
        using var site = Site();
        await using var nginx = await NginxServer.StartAsync(site.Path, http2: true, accessLog: true);
        var f = await Bench([$"http://127.0.0.1:{nginx.Port}/note.txt", "--http2", "-c", "2", "--pipeline", "4", "-n", "400"]);
        Assert.True(f.Exit == 0, f.Run.ToString());
        AddsUp(f);
        Assert.Equal(400, f.Status("200"));
        Assert.Equal("HTTP/2", f.Http.GetProperty("version").GetString());
        // Each connection's one request before the clock, then the 400 counted.
        Assert.Equal(402, nginx.AccessLog.Count(l => l.Contains("\"GET /note.txt HTTP/2.0\" 200", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task open_loop_never_sends_ahead_of_its_schedule_and_measures_from_the_intended_time()
    {
        using var site = Site();
        await using var nginx = await NginxServer.StartAsync(site.Path, http2: false);
        var f = await Bench([$"http://127.0.0.1:{nginx.Port}/note.txt", "-c", "2", "-d", "2s", "--rate", "100"]);
        Assert.True(f.Exit == 0, f.Run.ToString());
        AddsUp(f);
        // 100/s for 2 s is 200 intended sends; never more (a late send is measured late, not skipped or doubled up).
        Assert.InRange(f.Requests, 1, 201);
        Assert.Equal("intended send time", f.Report.GetProperty("latency").GetProperty("measuredFrom").GetString());
    }

    [Fact]
    public async Task a_server_that_closes_without_answering_is_counted_as_closed_errors_and_exit_1()
    {
        // socat accepts, waits a little without reading a byte, and closes: every request sent is unanswered.
        await using var server = RunningProcess.Tool("socat", false, "-d", "-d", "TCP4-LISTEN:0,bind=127.0.0.1,fork,reuseaddr", "SYSTEM:sleep 0.05");
        var port = (await server.WaitForStderrAsync(@"listening on AF=2 127\.0\.0\.1:(\d+)")).Groups[1].Value;
        var f = await Bench([$"http://127.0.0.1:{port}/", "-c", "2", "-d", "1s"]);
        Assert.Equal(1, f.Exit);
        AddsUp(f);
        Assert.Equal(0, f.StatusTotal);
        // Closed with a FIN once socat has read the request; reset (a read error) if it closes before reading it, which
        // a loaded machine can make happen. Either way no request was answered, and each is counted once.
        Assert.True(f.Error("closed") + f.Error("read") > 0, f.Run.Stdout);
        Assert.Equal(f.Requests, f.Error("closed") + f.Error("read"));
        var line = Assert.Single(f.Run.StderrLines);
        Assert.StartsWith($"sock: bench http http://127.0.0.1:{port}/: http://127.0.0.1:{port}", line);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/|--pipeline|0", "sock: bench --pipeline 0: must be 1 to 1024")]
    [InlineData("http://127.0.0.1:1/|--pipeline|4|--rate|10", "sock: bench --pipeline 4: open loop (--rate) sends each request at its own time, one in flight per connection")]
    [InlineData("ftp://127.0.0.1/", "sock: URL ftp://127.0.0.1/: ftp:// is not supported (only http:// and https://)")]
    [InlineData("http://127.0.0.1:1/|-s|10", "sock: bench http -s: http mode sends the request the URL and options make (--pipeline for requests in flight)")]
    public async Task bad_input_is_one_line_and_exit_2(string args, string expected)
    {
        var run = await SockRunner.RunAsync(["bench", "http", .. args.Split('|')], timeout: Limit);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal([expected], run.StderrLines);
    }

    [Fact]
    public async Task http_options_in_another_mode_are_a_usage_error()
    {
        var run = await SockRunner.RunAsync(["bench", "echo", "127.0.0.1", "7", "--pipeline", "4"], timeout: Limit);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["sock: bench --pipeline echo: is an option of http mode"], run.StderrLines);
    }
}
