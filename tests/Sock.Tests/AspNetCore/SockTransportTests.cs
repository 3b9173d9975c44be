using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.AspNetCore;

/// <summary>
/// ASP.NET Core's own behaviours over sock's transport (Kestrel on Sock.Core's engine): requests, keep-alive, pipelining,
/// many clients at once, a large streamed body, WebSockets, graceful shutdown, and what the transport adds — the socket
/// record on HttpContext.Features, the connection table, the trace as a log category. curl is the HTTP client where it can
/// be; raw sockets where the test is about the bytes on the connection.
/// </summary>
public sealed class SockTransportTests
{
    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task curl_gets_an_answer_over_the_transport(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        var run = await SockWebApp.CurlAsync([.. app.Curl("/"), "-D", "-"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("HTTP/1.1 200 OK", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhello from sock\n", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task keep_alive_serves_several_requests_on_one_connection(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        var url = app.Curl("/");
        // curl reuses the connection for the second and third URL of one command line.
        var run = await SockWebApp.CurlAsync(["-v", .. url, url[^1], url[^1]]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, CountOf(run.Stdout, "hello from sock\n"));
        Assert.Equal(2, CountOf(run.Stderr, "Re-using existing connection"));
        Assert.Equal(1, app.Table.TotalAccepted);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task pipelined_requests_in_one_send_are_answered_in_order(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        using var socket = await app.ConnectAsync();
        // Three requests in one send: the server finds them all in one read and answers each, in order.
        var requests = "GET /record HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: b\r\n\r\nGET /record HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(requests));
        var answer = await ReadToEndAsync(socket, TimeSpan.FromSeconds(30));
        Assert.Equal(3, CountOf(answer, "HTTP/1.1 200 OK"));
        var first = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var hello = answer.IndexOf("hello from sock", StringComparison.Ordinal);
        Assert.True(first > 0 && hello > first, answer);
        Assert.Equal(1, app.Table.TotalAccepted);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_thousand_clients_are_served_at_once(string transport)
    {
        const int clients = 1000;
        await using var app = await SockWebApp.StartAsync(transport);
        app.WaitFor = clients; // /wait answers no one until all 1,000 requests are in at once
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        // Connects at most 256 at a time: a Unix socket's full backlog refuses a connect (EAGAIN) where TCP would retry.
        using var connecting = new SemaphoreSlim(256);
        var sockets = new Socket?[clients];
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
            {
                await connecting.WaitAsync(deadline.Token);
                try
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            sockets[i] = await app.ConnectAsync(deadline.Token);
                            break;
                        }
                        catch (SocketException) when (attempt < 20)
                        {
                            await Task.Delay(50, deadline.Token);
                        }
                    }
                }
                finally
                {
                    connecting.Release();
                }
                await sockets[i]!.SendAsync(Encoding.ASCII.GetBytes("GET /wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), deadline.Token);
                return await ReadToEndAsync(sockets[i]!, TimeSpan.FromSeconds(120));
            }));
            Assert.All(answers, a => Assert.True(a.StartsWith("HTTP/1.1 200 OK", StringComparison.Ordinal) && a.Contains("\r\nall in\n", StringComparison.Ordinal), a));
            Assert.Equal(clients, app.Table.TotalAccepted);
        }
        finally
        {
            foreach (var s in sockets) s?.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_64_MiB_request_body_streams_through_intact(string transport)
    {
        using var dir = new TempDirectory("sock-aspnet-body-");
        var file = dir.File("body.bin");
        var body = new byte[64 * 1024 * 1024];
        new Random(18).NextBytes(body);
        await File.WriteAllBytesAsync(file, body);
        var expected = Convert.ToHexStringLower(SHA256.HashData(body));
        await using var app = await SockWebApp.StartAsync(transport);
        var run = await SockWebApp.CurlAsync([.. app.Curl("/sha256"), "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{body.Length} {expected}\n", run.Stdout);
        Assert.True(app.Table.TotalBytesIn >= body.Length, $"bytes in: {app.Table.TotalBytesIn}");
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_websocket_echoes_text_and_a_1_MiB_binary_message(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        using var handler = new SocketsHttpHandler
        {
            // The client's socket goes where the app listens, Unix socket included; the URL names only the path.
            ConnectCallback = async (_, ct) => new NetworkStream(await app.ConnectAsync(ct), ownsSocket: true),
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var ws = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await ws.ConnectAsync(app.Url("/ws", "ws"), invoker, deadline.Token);
        await ws.SendAsync("hello over sock"u8.ToArray(), WebSocketMessageType.Text, true, deadline.Token);
        Assert.Equal("hello over sock", Encoding.UTF8.GetString(await ReceiveMessageAsync(ws, deadline.Token)));
        var big = new byte[1 << 20];
        new Random(7).NextBytes(big);
        await ws.SendAsync(big, WebSocketMessageType.Binary, true, deadline.Token);
        Assert.Equal(big, await ReceiveMessageAsync(ws, deadline.Token));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task graceful_shutdown_stops_accepting_and_finishes_the_request_in_flight(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        var inFlight = SockWebApp.CurlAsync(app.Curl("/slow"));
        await app.SlowArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = app.StopAsync();
        // The listening socket closes first: a new client is refused while the request in flight is still served.
        await WaitUntilAsync(() => app.Table.Sockets.All(r => r.State != "LISTEN"), TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<SocketException>(async () => (await app.ConnectAsync()).Dispose());
        Assert.False(stopping.IsCompleted);
        app.SlowGate.TrySetResult();
        var run = await inFlight;
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("slow done\n", run.Stdout);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(app.Table.Connections);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task each_request_sees_its_connections_socket_record(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        var before = DateTimeOffset.UtcNow;
        var run = await SockWebApp.CurlAsync([.. app.Curl("/record"), "-w", "%{local_ip} %{local_port}"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var record = app.LastRecord!;
        var lines = run.Stdout.Split('\n');
        Assert.Equal($"{record.Id} {record.Handle} {record.Family} {record.Local} {record.Remote} {record.State} {record.BytesIn}", lines[0]);
        Assert.Equal(transport switch { Transports.Tcp4 => "inet", Transports.Tcp6 => "inet6", _ => "unix" }, record.Family);
        Assert.Equal("ESTAB", record.State);
        Assert.True(record.BytesIn > 20, $"bytes in: {record.BytesIn}");
        Assert.InRange(record.OpenedAt, before.AddSeconds(-1), record.LastActivity);
        // The handle is this process's descriptor of a socket, and the addresses are the ones curl used.
        Assert.StartsWith("socket:[", app.HandleTarget, StringComparison.Ordinal);
        if (app.EndPoint is IPEndPoint ip)
        {
            var curlSide = lines[1].Split(' ');
            var curlAddress = IPAddress.Parse(curlSide[0]);
            Assert.Equal(new IPEndPoint(curlAddress, int.Parse(curlSide[1], System.Globalization.CultureInfo.InvariantCulture)).ToString(), record.Remote);
            Assert.Equal(ip.ToString(), record.Local);
        }
        else
        {
            Assert.Equal(app.EndPoint.ToString(), record.Local);
        }
        // The connection table had the listener and this connection while the request ran.
        Assert.Contains(app.TableDuringRequest, r => r.State == "LISTEN" && r.Local == record.Local);
        Assert.Contains(app.TableDuringRequest, r => r.Id == record.Id && r.State == "ESTAB");
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task a_client_that_goes_away_aborts_its_request(string transport)
    {
        await using var app = await SockWebApp.StartAsync(transport);
        using (var socket = await app.ConnectAsync())
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
            await app.SlowArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        // Kestrel hears of it through the transport's ConnectionClosed (the end of input): RequestAborted fires.
        await app.SlowAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task the_bsd_call_trace_is_a_log_category_off_by_default()
    {
        var quiet = new CollectingLoggerProvider();
        await using (var app = await SockWebApp.StartAsync(Transports.Tcp4, quiet))
        {
            Assert.False(app.Factory.Tracing);
            Assert.Equal(0, (await SockWebApp.CurlAsync(app.Curl("/"))).ExitCode);
        }
        Assert.DoesNotContain(quiet.Lines, l => l.Category == "Sock.Trace");

        var logs = new CollectingLoggerProvider();
        await using (var app = await SockWebApp.StartAsync(Transports.Tcp4, logs, LogLevel.Trace))
        {
            Assert.True(app.Factory.Tracing);
            Assert.Equal(0, (await SockWebApp.CurlAsync(app.Curl("/"))).ExitCode);
        }
        var trace = logs.Lines.Where(l => l.Category == "Sock.Trace").Select(l => l.Message).ToList();
        Assert.Contains(trace, l => l.Contains("bind(", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.Contains("listen(", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.Contains("accept(", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.Contains("recv(", StringComparison.Ordinal));
        Assert.All(trace, l => Assert.Matches(@"^\+\d+\.\d{3}ms ", l));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static async Task<string> ReadToEndAsync(Socket socket, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var all = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) all.Write(buffer, 0, n);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<byte[]> ReceiveMessageAsync(ClientWebSocket ws, CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        var buffer = new byte[65536];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, cancellationToken);
            all.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) return all.ToArray();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(20);
        }
    }
}
