using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// Scan and bench results as charts: a real scan of ports this test opens and a real short `sock bench` against
/// `sock serve echo`, each written with --report as one HTML file opened in Chromium from file://, and each saved
/// --json file shown by `sock ui --open`. The figures are read from the charts' data tables and compared with the
/// --json the same run printed.
/// </summary>
public sealed class UiResultsTests
{
    /// <summary>Each cell (header cell first) of every row a selector matches, read in one script (the dashboard redraws).</summary>
    private static List<string[]> Rows(IWebDriver d, string selector) =>
        ((IJavaScriptExecutor)d).ExecuteScript(
            "return [...document.querySelectorAll(arguments[0])].map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent));", selector)
            is IReadOnlyCollection<object> rows ? [.. rows.Select(r => ((IReadOnlyCollection<object>)r).Select(c => (string)c).ToArray())] : [];

    /// <summary>charts.js writes whole numbers in groups of three with commas, rounded half up (JavaScript's Math.round).</summary>
    private static string Grouped(double v) => Math.Floor(v + 0.5).ToString("N0", CultureInfo.InvariantCulture);

    private static void AssertSelfContained(string html)
    {
        // No external script, style, image or frame: nothing for a browser to fetch.
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(System.Diagnostics.Process Process, string Url)> StartUiAsync(params string[] args)
    {
        var process = SockRunner.Start(["ui", "--port", "0", .. args]);
        var url = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (url is null || !url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
        {
            process.Kill();
            Assert.Fail($"sock ui printed {url}; stderr: {await process.StandardError.ReadToEndAsync()}");
        }
        return (process, url!);
    }

    [Fact]
    public async Task a_scan_report_and_ui_open_show_which_ports_are_open()
    {
        using var open1 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var open2 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Bound but not listening: the port is this test's (no one else can take it) and a connect to it is refused.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        foreach (var s in new[] { open1, open2, closed }) s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        open1.Listen();
        open2.Listen();
        int o1 = ((IPEndPoint)open1.LocalEndPoint!).Port, o2 = ((IPEndPoint)open2.LocalEndPoint!).Port, c = ((IPEndPoint)closed.LocalEndPoint!).Port;
        using var dir = new TempDirectory("sock-ui-scan-");
        var reportPath = dir.File("scan report.html");

        var scan = await SockRunner.RunAsync(["scan", "127.0.0.1", "-p", $"{o1},{o2},{c}", "--all", "--json", "--report", reportPath]);
        Assert.True(scan.ExitCode == 0, scan.ToString());
        var jsonPath = dir.File("scan.json");
        await File.WriteAllTextAsync(jsonPath, scan.Stdout);
        var html = await File.ReadAllTextAsync(reportPath);
        AssertSelfContained(html);

        using var chromium = new HeadlessChromium(1280, 800);
        var browser = chromium.Driver;
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        void AssertScanShown(string scope)
        {
            wait.Until(d => Rows(d, $"{scope} #scan-grid table.alt tbody tr").Count == 3);
            // Columns: host, port, protocol, state, service, reason, RTT.
            var grid = Rows(browser, $"{scope} #scan-grid table.alt tbody tr").ToDictionary(r => int.Parse(r[1], CultureInfo.InvariantCulture), r => (r[0], r[3]));
            Assert.Equal(("127.0.0.1", "open"), grid[o1]);
            Assert.Equal(("127.0.0.1", "open"), grid[o2]);
            Assert.Equal(("127.0.0.1", "closed"), grid[c]);
            // The heat map draws a cell per host and port, coloured by state.
            Assert.Equal(3, browser.FindElements(By.CssSelector($"{scope} #scan-grid svg rect.cell")).Count);
            Assert.Equal(["127.0.0.1", "2", "1", "0", "0"], Rows(browser, $"{scope} #scan-counts table.alt tbody tr").Single());
        }

        browser.Navigate().GoToUrl(new Uri(reportPath).AbsoluteUri);
        AssertScanShown("#report");
        Assert.Contains("sock scan 127.0.0.1", browser.Title, StringComparison.Ordinal);
        chromium.Screenshot("scan-report-1280x800");
        chromium.EmulatePhone(390, 844);
        wait.Until(d => !chromium.OverflowsSideways());
        chromium.Screenshot("scan-report-390x844");

        var (ui, url) = await StartUiAsync("--open", jsonPath);
        try
        {
            chromium.EndEmulation();
            browser.Navigate().GoToUrl(url);
            AssertScanShown("#results");
            Assert.Equal("scan.json", browser.FindElement(By.CssSelector("#results section.result h2")).Text);
            chromium.Screenshot("ui-open-scan-1280x800");
        }
        finally
        {
            ui.Kill();
            await ui.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task a_bench_report_and_ui_open_show_the_rate_of_each_interval_the_latency_distribution_and_histogram()
    {
        await using var serve = await ServeProcess.StartAsync("serve echo --tcp --port 0 --bind 127.0.0.1", expectListeners: 1);
        var port = serve.Port("echo", "tcp");
        using var dir = new TempDirectory("sock-ui-bench-");
        var reportPath = dir.File("bench.html");

        var bench = await SockRunner.RunAsync(["bench", "echo", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "-c", "2", "-d", "2s", "-i", "500ms",
            "--json", "--report", reportPath]);
        Assert.True(bench.ExitCode == 0, bench.ToString());
        var jsonPath = dir.File("bench.json");
        await File.WriteAllTextAsync(jsonPath, bench.Stdout);
        using var doc = JsonDocument.Parse(bench.Stdout);
        var intervals = doc.RootElement.GetProperty("intervals").EnumerateArray().ToList();
        Assert.True(intervals.Count >= 3, bench.Stdout);
        var latency = doc.RootElement.GetProperty("latency");
        AssertSelfContained(await File.ReadAllTextAsync(reportPath));

        using var chromium = new HeadlessChromium(1280, 800);
        var browser = chromium.Driver;
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        void AssertBenchShown(string scope)
        {
            wait.Until(d => Rows(d, $"{scope} #bench-throughput table.alt tbody tr").Count == intervals.Count);
            // Columns: interval, messages/s, bytes sent, bytes received, errors — each interval as the JSON has it.
            var rows = Rows(browser, $"{scope} #bench-throughput table.alt tbody tr");
            for (var i = 0; i < intervals.Count; i++)
            {
                Assert.Equal(Grouped(intervals[i].GetProperty("messagesPerSecond").GetDouble()), rows[i][1]);
                Assert.Equal(Grouped(intervals[i].GetProperty("bytesSent").GetDouble()), rows[i][2]);
            }
            Assert.True(browser.FindElements(By.CssSelector($"{scope} #bench-throughput svg polyline")).Count == 1);
            var percentiles = Rows(browser, $"{scope} #bench-latency table.alt tbody tr").ToDictionary(r => r[0], r => r[1]);
            foreach (var (name, field) in new[] { ("min", "minMs"), ("p50", "p50Ms"), ("p90", "p90Ms"), ("p99", "p99Ms"), ("p99.9", "p999Ms"), ("max", "maxMs") })
                Assert.Equal(latency.GetProperty(field).GetRawText(), percentiles[name]);
            // The percentile plot draws the whole distribution the JSON carries (each step below 100 %).
            var steps = latency.GetProperty("distribution").EnumerateArray().Count(d => d.GetProperty("percentile").GetDouble() < 100);
            Assert.True(steps > 4, latency.ToString());
            var plotted = browser.FindElement(By.CssSelector($"{scope} #bench-latency svg polyline")).GetDomAttribute("points")!;
            Assert.Equal(steps, plotted.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            // The histogram: a row per band with the JSON's count, a bar per band that has samples; the bands hold every sample.
            var bins = latency.GetProperty("bins").EnumerateArray().Select(b => b.GetProperty("count").GetInt64()).ToList();
            Assert.Equal(latency.GetProperty("count").GetInt64(), bins.Sum());
            var bands = Rows(browser, $"{scope} #bench-histogram table.alt tbody tr");
            Assert.Equal(bins.Select(c => Grouped(c)), bands.Select(r => r[1]));
            Assert.Equal(bins.Count(c => c > 0), browser.FindElements(By.CssSelector($"{scope} #bench-histogram svg rect")).Count);
        }

        browser.Navigate().GoToUrl(new Uri(reportPath).AbsoluteUri);
        AssertBenchShown("#report");
        chromium.Screenshot("bench-report-1280x800");
        chromium.EmulatePhone(390, 844);
        wait.Until(d => !chromium.OverflowsSideways());
        chromium.Screenshot("bench-report-390x844");

        var (ui, url) = await StartUiAsync("--open", jsonPath);
        try
        {
            chromium.EndEmulation();
            browser.Navigate().GoToUrl(url);
            AssertBenchShown("#results");
            chromium.Screenshot("ui-open-bench-1280x800");
        }
        finally
        {
            ui.Kill();
            await ui.WaitForExitAsync();
        }
    }

    public static TheoryData<string, string[], string> BadInput => new()
    {
        // name, arguments ({dir} is a fresh directory), what the one line must say
        { "missing --open file", ["ui", "--port", "0", "--open", "{dir}/none.json"], "no such file" },
        { "--open of a directory", ["ui", "--port", "0", "--open", "{dir}"], "is a directory" },
        { "--open of JSON that is no result", ["ui", "--port", "0", "--open", "{dir}/other.json"], "not a result of sock scan --json or sock bench --json" },
        { "--open of a file that is not JSON", ["ui", "--port", "0", "--open", "{dir}/text.json"], "not a result of sock scan --json or sock bench --json" },
        { "--open of a failed bench's JSON", ["ui", "--port", "0", "--open", "{dir}/failed.json"], "the run it records failed" },
        { "scan --report into no directory", ["scan", "127.0.0.1", "-p", "1", "--report", "{dir}/no/such/report.html"], "no such directory" },
        { "bench --report into no directory", ["bench", "echo", "127.0.0.1", "1", "-n", "1", "--report", "{dir}/no/such/report.html"], "no such directory" },
        { "bench --server --report", ["bench", "--server", "0", "--report", "{dir}/r.html"], "--server only answers one" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task bad_results_and_report_paths_are_one_line_and_exit_2(string name, string[] args, string says)
    {
        using var dir = new TempDirectory("sock-ui-bad-");
        await File.WriteAllTextAsync(dir.File("other.json"), """{"name": "not a result", "hosts": 3}""");
        await File.WriteAllTextAsync(dir.File("text.json"), "hello\n");
        await File.WriteAllTextAsync(dir.File("failed.json"), """{"mode": "echo", "target": "127.0.0.1:1", "error": "connect failed", "exitCode": 1}""");
        var run = await SockRunner.RunAsync(args.Select(a => a.Replace("{dir}", dir.Path, StringComparison.Ordinal)), timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 2, $"{name}: {run}");
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sock: ", line, StringComparison.Ordinal);
        Assert.Contains(says, line, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        Assert.False(File.Exists(dir.File("r.html")), "--server wrote a report file");
    }
}
