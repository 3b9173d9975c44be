using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// sock ui's charts in a real browser: sockets by state over time, bytes per second per process, listening ports by
/// range. Each chart's numbers are read from its data table (its accessible form), with the filter narrowing the
/// machine's sockets to the ones this test opens, so the figures are exact on a busy machine.
/// </summary>
public sealed class UiChartsTests
{
    private const int Payload = 4 << 20;

    /// <summary>A socket bound on 127.0.0.1 to a free port between lo and hi (a random try at a time, bounded).</summary>
    private static Socket BindIn(SocketType type, int lo, int hi)
    {
        for (var i = 0; i < 500; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, Random.Shared.Next(lo, hi + 1)));
                if (type == SocketType.Stream) socket.Listen();
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        throw new InvalidOperationException($"no free port between {lo} and {hi} in 500 tries");
    }

    private static int PortOf(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    private static long Number(string text) => long.Parse(text.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    /// <summary>The cells (header cell first) of the chart table's row matching the selector, or null while there is none.</summary>
    /// <remarks>Read in one script: the page replaces its tables every frame, so elements found one call earlier go stale.</remarks>
    private static string[]? Row(IWebDriver d, string chart, string selector) =>
        ((IJavaScriptExecutor)d).ExecuteScript(
            "const rows = document.querySelectorAll(arguments[0]);" +
            "return rows.length === 1 ? [...rows[0].querySelectorAll('th, td')].map(c => c.textContent) : null;",
            $"#{chart} table.alt tbody tr{selector}") is IReadOnlyCollection<object> cells ? [.. cells.Select(c => (string)c)] : null;

    [Fact]
    public async Task the_charts_show_states_bytes_per_process_and_listening_ports_by_range()
    {
        // Registered ports below the ephemeral range (32768–60999 here) and dynamic ones above it, so no connect()
        // elsewhere on the machine lands on them.
        using var registered = BindIn(SocketType.Stream, 20000, 29999);
        using var dynamic = BindIn(SocketType.Stream, 61000, 65535);
        using var udp = BindIn(SocketType.Dgram, 20000, 29999);
        int p1 = PortOf(registered), p2 = PortOf(dynamic), p3 = PortOf(udp);

        var ui = SockRunner.Start(["ui", "--port", "0", "--interval", "300ms"]);
        Process? client = null;
        try
        {
            var url = await ui.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(url is not null && url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal), $"sock ui printed {url}");
            using var chromium = new HeadlessChromium(1280, 800);
            var browser = chromium.Driver;
            var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(60));
            browser.Navigate().GoToUrl(url);
            wait.Until(d => d.FindElements(By.CssSelector("#sockets tbody tr[data-local]")).Count > 0);

            var filter = browser.FindElement(By.Id("filter"));
            filter.SendKeys($"sport = :{p1} or dport = :{p1} or sport = :{p2} or sport = :{p3}");
            filter.SendKeys(Keys.Enter);
            wait.Until(d => d.FindElements(By.CssSelector("#sockets tbody tr[data-local]")).Count == 3
                && Row(d, "chart-states", "[data-state='LISTEN']")?[1] == "2");

            // Bytes move only now, after the filter's first frame: the connection is new to the page, so it counts
            // from zero and the window's sum is everything it carried.
            client = SockRunner.Start(["connect", "--no-shutdown", "127.0.0.1", p1.ToString(CultureInfo.InvariantCulture)]);
            using var accepted = await registered.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var data = new byte[Payload];
            Random.Shared.NextBytes(data);
            var send = client.StandardInput.BaseStream.WriteAsync(data).AsTask().ContinueWith(_ => client.StandardInput.BaseStream.FlushAsync()).Unwrap();
            var buffer = new byte[64 * 1024];
            long got = 0;
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                while (got < Payload)
                {
                    var n = await accepted.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                    Assert.True(n > 0, $"the connection closed after {got} bytes");
                    got += n;
                }
            await send.WaitAsync(TimeSpan.FromSeconds(60));

            string[]? sender = null, receiver = null;
            wait.Until(d =>
            {
                sender = Row(d, "chart-bytes", $"[data-pid='{client.Id}']");
                receiver = Row(d, "chart-bytes", $"[data-pid='{Environment.ProcessId}']");
                return sender is not null && receiver is not null && Number(sender[3]) >= Payload && Number(receiver[4]) >= Payload
                    && Row(d, "chart-states", "[data-state='ESTAB']")?[1] == "2";
            });
            chromium.Screenshot("charts-1280x800");
            // Columns: process, sent/s, received/s, sent (window), received (window), sockets, without counters.
            // bytes_acked counts the SYN's sequence number as one byte acknowledged; nothing else may be added.
            Assert.InRange(Number(sender![3]), Payload, Payload + 1);
            Assert.InRange(Number(receiver![4]), Payload, Payload + 1);
            Assert.Equal("1", sender[5]);
            Assert.Equal("0", sender[6]);
            // The test's own sockets: two listeners, the accepted connection and the UDP socket, which has no counters.
            Assert.Equal("4", receiver[5]);
            Assert.Equal("1", receiver[6]);
            Assert.Contains("no counters", HeadlessChromium.Text(browser.FindElement(By.CssSelector("#chart-bytes .note"))), StringComparison.Ordinal);

            Assert.Equal(["LISTEN", "2"], Row(browser, "chart-states", "[data-state='LISTEN']")![..2]);
            Assert.Equal(["UNCONN", "1"], Row(browser, "chart-states", "[data-state='UNCONN']")![..2]);
            // Columns: range, ports, TCP, UDP, TCP ports, UDP ports.
            Assert.Equal(["well-known (0–1023)", "0", "0", "0", "", ""], Row(browser, "chart-ports", "[data-range='well-known']")!);
            Assert.Equal(["registered (1024–49151)", "2", "1", "1", $"{p1}", $"{p3}"], Row(browser, "chart-ports", "[data-range='registered']")!);
            Assert.Equal(["dynamic (49152–65535)", "1", "1", "0", $"{p2}", ""], Row(browser, "chart-ports", "[data-range='dynamic']")!);
            foreach (var chart in new[] { "chart-states", "chart-bytes", "chart-ports" })
            {
                var svg = browser.FindElement(By.CssSelector($"#{chart} svg"));
                Assert.Equal("img", svg.GetDomAttribute("role"));
                Assert.False(string.IsNullOrWhiteSpace(svg.GetDomAttribute("aria-label")));
                Assert.NotEmpty(browser.FindElements(By.CssSelector($"#{chart} svg polygon, #{chart} svg polyline, #{chart} svg rect")));
            }

            // The keyboard reaches a chart's data table and opens it.
            var summary = browser.FindElement(By.CssSelector("#chart-bytes summary"));
            for (var i = 0; i < 40 && !summary.Equals(browser.SwitchTo().ActiveElement()); i++)
                new Actions(browser).SendKeys(Keys.Tab).Perform();
            Assert.Equal(summary, browser.SwitchTo().ActiveElement());
            new Actions(browser).SendKeys(Keys.Enter).Perform();
            wait.Until(d => string.Equals(d.FindElement(By.CssSelector("#chart-bytes details")).GetDomProperty("open"), "true", StringComparison.OrdinalIgnoreCase));
            chromium.Screenshot("charts-table-open-1280x800");

            // A phone's width: the page does not scroll sideways as a whole (the socket table scrolls in its own box).
            chromium.EmulatePhone(390, 844);
            wait.Until(d => !chromium.OverflowsSideways());
            chromium.Screenshot("charts-390x844");
        }
        finally
        {
            if (client is { HasExited: false }) client.Kill();
            client?.Dispose();
            ui.Kill();
            await ui.WaitForExitAsync();
        }
    }
}
