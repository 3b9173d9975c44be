using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// Servers started with --ui show up in sock ui as panels: the server opens a status socket in its user's runtime
/// directory (here a fresh XDG_RUNTIME_DIR shared by the server and sock ui only, so no other test's servers appear),
/// sock ui reads it at every frame, and the server removes it when it stops.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UiPanelsTests
{
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;


    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) Assert.Fail($"not within 30 s: {what}");
            await Task.Delay(50);
        }
    }

    private static async Task<(System.Diagnostics.Process Process, string Url)> StartUiAsync(TempDirectory runtime)
    {
        var process = SockRunner.Start(["ui", "--port", "0", "--interval", "300ms"], new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime.Path });
        var url = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(url is not null && url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal), $"sock ui printed {url}");
        return (process, url!);
    }

    /// <summary>The panel of a process: its counters (name → text) and its table's rows, read in one script.</summary>
    private static (Dictionary<string, string> Counters, List<string[]> Rows)? Panel(IWebDriver d, int pid)
    {
        var result = ((IJavaScriptExecutor)d).ExecuteScript("""
            const p = document.querySelector(`#panels section.panel[data-pid='${arguments[0]}']`);
            if (!p) return null;
            return [[...p.querySelectorAll('.counters li')].map(li => [li.dataset.counter, li.querySelector('strong').textContent]),
                    [...p.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))];
            """, pid);
        if (result is not IReadOnlyList<object> parts) return null;
        var counters = ((IReadOnlyCollection<object>)parts[0]).Cast<IReadOnlyList<object>>().ToDictionary(c => (string)c[0], c => (string)c[1]);
        var rows = ((IReadOnlyCollection<object>)parts[1]).Select(r => ((IReadOnlyCollection<object>)r).Select(c => (string)c).ToArray()).ToList();
        return (counters, rows);
    }

    [Fact]
    public async Task a_server_started_with_ui_is_a_live_panel_and_leaves_when_it_stops()
    {
        using var runtime = new TempDirectory("sock-ui-runtime-");
        await using var serve = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "serve", "echo", "--tcp", "--port", "0", "--bind", "127.0.0.1", "--ui"), expectListeners: 1);
        var statusSocket = Path.Combine(runtime.Path, "sock", $"serve-{serve.Pid}.sock");
        await WaitForAsync(() => File.Exists(statusSocket), $"{statusSocket} made");
        // Only its user may read it: the directory 0700, the socket 0600.
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(statusSocket)!));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(statusSocket));

        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, serve.Port("echo", "tcp"));
        var stream = client.GetStream();
        async Task EchoAsync(string line)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line));
            var back = new byte[line.Length];
            await stream.ReadExactlyAsync(back).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(line, Encoding.ASCII.GetString(back));
        }
        await EchoAsync("hello panel\n");
        var clientAddress = ((IPEndPoint)client.Client.LocalEndPoint!).ToString();

        var (ui, url) = await StartUiAsync(runtime);
        try
        {
            using var chromium = new HeadlessChromium(1280, 800);
            var browser = chromium.Driver;
            var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
            browser.Navigate().GoToUrl(url);
            // Columns: id, service, type, state, local, remote, bytes in, bytes out, opened.
            string[]? Connection(IWebDriver d) => Panel(d, serve.Pid)?.Rows.SingleOrDefault(r => r[5] == clientAddress);
            wait.Until(d => Connection(d) is { } r && r[6] == "12" && r[7] == "12");
            Assert.Equal("echo", Connection(browser)![1]);
            // Read in a script: the panels are drawn afresh at every frame, so a found element goes stale.
            Assert.Equal($"sock serve echo (pid {serve.Pid})", ((IJavaScriptExecutor)browser).ExecuteScript(
                "return document.querySelector(`#panels section.panel[data-pid='${arguments[0]}'] h2`).textContent;", serve.Pid));
            chromium.Screenshot("panel-1280x800");

            // Live: more bytes, new figures at the next frames.
            await EchoAsync("again\n");
            wait.Until(d => Connection(d) is { } r && r[6] == "18" && r[7] == "18");
            var counters = Panel(browser, serve.Pid)!.Value.Counters;
            Assert.True(long.Parse(counters["bytes in (open sockets)"].Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) >= 18, string.Join("; ", counters));

            // Stopped (SIGTERM, a graceful drain): the status socket goes with it, and so does the panel.
            client.Close();
            await serve.SignalAsync("TERM");
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(statusSocket), "the server left its status socket behind");
            wait.Until(d => Panel(d, serve.Pid) is null);
        }
        finally
        {
            ui.Kill();
            await ui.WaitForExitAsync();
        }
    }


    [Fact]
    public async Task serve_http_with_ui_has_a_panel_with_each_connections_record()
    {
        using var runtime = new TempDirectory("sock-ui-runtime-");
        using var site = new TempDirectory("sock-ui-site-");
        await File.WriteAllTextAsync(site.File("a.txt"), "panel\n");
        await using var serve = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "serve", "http", site.Path, "--port", "0", "--bind", "127.0.0.1", "--ui"), expectListeners: 1);
        var port = serve.Port("http", "tcp");
        var statusSocket = Path.Combine(runtime.Path, "sock", $"serve-{serve.Pid}.sock");
        await WaitForAsync(() => File.Exists(statusSocket), $"{statusSocket} made");
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(statusSocket));

        // One request on a connection kept alive: the panel lists that connection with the request's bytes in.
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, port);
        var request = Encoding.ASCII.GetBytes("GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        await client.GetStream().WriteAsync(request);
        var head = new byte[4096];
        var got = await client.GetStream().ReadAsync(head).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(head, 0, got), StringComparison.Ordinal);
        var clientAddress = ((IPEndPoint)client.Client.LocalEndPoint!).ToString();

        JsonElement panel = default;
        string[]? row = null;
        await WaitForAsync(() =>
        {
            panel = StatusSocket.ReadAsync(statusSocket).GetAwaiter().GetResult();
            // Columns: id, service, type, state, local, remote, bytes in, bytes out, opened.
            row = panel.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()!).ToArray())
                .SingleOrDefault(r => r[5] == clientAddress);
            // The bytes out are counted when the send completes, which the client may see after it has read them (the
            // fresh CI at 61efbc2 once read a row with 40 in and 0 out): both counts are waited for.
            return row is not null && row[6] == request.Length.ToString(CultureInfo.InvariantCulture)
                && long.Parse(row[7], CultureInfo.InvariantCulture) >= got;
        }, "the connection with its request's bytes in and its answer's bytes out in the panel");
        Assert.Equal(serve.Pid, panel.GetProperty("pid").GetInt32());
        Assert.StartsWith("serve http ", panel.GetProperty("command").GetString(), StringComparison.Ordinal);

        client.Close();
        await serve.SignalAsync("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(statusSocket), "serve http left its status socket behind");
    }

    [Fact]
    public async Task sock_ui_reads_every_server_with_ui_and_passes_over_a_dead_ones_socket_without_removing_it()
    {
        using var runtime = new TempDirectory("sock-ui-runtime-");
        await using var echo = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "serve", "echo", "--tcp", "--port", "0", "--bind", "127.0.0.1"), expectListeners: 1);
        var echoPort = echo.Port("echo", "tcp");
        await using var forward = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "forward", "127.0.0.1:0", $"127.0.0.1:{echoPort}", "--ui"), expectListeners: 0);
        var listening = await forward.WaitForStderrAsync(l => l.StartsWith("forward: listening on tcp 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var forwardPort = int.Parse(listening.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4].Split(':')[1].TrimEnd(','), CultureInfo.InvariantCulture);
        await using var doomed = await ServeProcess.StartAsync(StatusSocket.InRuntime(runtime, "serve", "discard", "--tcp", "--port", "0", "--bind", "127.0.0.1", "--ui"), expectListeners: 1);
        var forwardSocket = Path.Combine(runtime.Path, "sock", $"forward-{forward.Pid}.sock");
        var doomedSocket = Path.Combine(runtime.Path, "sock", $"serve-{doomed.Pid}.sock");
        await WaitForAsync(() => File.Exists(forwardSocket) && File.Exists(doomedSocket), "both status sockets made");
        // Killed outright: it cannot remove its socket, which stays as a file nobody answers on.
        await doomed.SignalAsync("KILL");
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(File.Exists(doomedSocket));

        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, forwardPort);
        var stream = client.GetStream();
        await stream.WriteAsync("through the forwarder\n"u8.ToArray());
        var back = new byte[22];
        await stream.ReadExactlyAsync(back).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        var (ui, url) = await StartUiAsync(runtime);
        try
        {
            var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
            var root = url[..url.IndexOf('?', StringComparison.Ordinal)];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            JsonElement panel = default;
            await WaitForAsync(() =>
            {
                using var doc = JsonDocument.Parse(http.GetStringAsync($"{root}api/servers?token={token}").GetAwaiter().GetResult());
                var panels = doc.RootElement.EnumerateArray().ToList();
                Assert.DoesNotContain(panels, p => p.GetProperty("pid").GetInt32() == doomed.Pid);
                var mine = panels.Where(p => p.GetProperty("pid").GetInt32() == forward.Pid).ToList();
                if (mine.Count != 1 || mine[0].GetProperty("rows").GetArrayLength() != 1) return false;
                panel = mine[0].Clone();
                var row = mine[0].GetProperty("rows")[0];
                return row[3].GetString() == "22" && row[4].GetString() == "22";
            }, "the forwarder's session with 22 bytes each way");
            Assert.Equal("forward", panel.GetProperty("command").GetString());
            Assert.Contains(((IPEndPoint)client.Client.LocalEndPoint!).ToString(), panel.GetProperty("rows")[0][1].GetString(), StringComparison.Ordinal);
            // sock ui never removes another process's socket: only its server may.
            Assert.True(File.Exists(doomedSocket));
        }
        finally
        {
            ui.Kill();
            await ui.WaitForExitAsync();
        }
    }
}
