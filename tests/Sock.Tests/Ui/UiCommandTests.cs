using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// `sock ui` in a real browser: Debian's Chromium, headless, driven through Debian's chromedriver by Selenium. The page
/// must show the machine's sockets, a socket the test opens and then closes, the browser's own connection, and obey
/// the filter; the token must be required. Screenshots go to the test's output directory as artefacts.
/// </summary>
public sealed class UiCommandTests
{
    private static readonly string Artefacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "ui-screenshots")).FullName;

    private static async Task<(Process Process, string Url)> StartAsync()
    {
        var process = SockRunner.Start(["ui", "--port", "0", "--interval", "300ms"]);
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
            Assert.Fail($"sock ui printed {line}; stderr: {await ReadSoFarAsync(process)}");
        return (process, line!);
    }

    private static async Task<string> ReadSoFarAsync(Process process)
    {
        if (!process.HasExited) process.Kill();
        return await process.StandardError.ReadToEndAsync();
    }

    [Fact]
    public async Task the_token_is_required()
    {
        var (process, url) = await StartAsync();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var root = url[..url.IndexOf('?', StringComparison.Ordinal)];
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(root)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(root + "?token=0123")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(root + "events")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(root + "api/sockets")).StatusCode);
            var page = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<table id=\"sockets\"", await page.Content.ReadAsStringAsync());
            // The snapshot takes sock stat's filter language, and a bad filter is a 400 that says why.
            var token = url[(url.IndexOf('=', StringComparison.Ordinal) + 1)..];
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{root}api/sockets?token={token}&filter=sport%20%3D%3D%3D")).StatusCode);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task the_browser_sees_a_socket_come_and_go_its_own_connection_and_the_filter()
    {
        if (!File.Exists("/usr/bin/chromium") || !File.Exists("/usr/bin/chromedriver"))
            Assert.Fail("needs Debian's chromium and chromium-driver (test.sh installs them)");
        var (process, url) = await StartAsync();
        using var profile = new TempDirectory("sock-ui-chromium-");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
            "--no-first-run", "--user-data-dir=" + profile.Path);
        using var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
        try
        {
            // The bounds are generous for a loaded machine; the page refreshes every 300 ms.
            var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
            browser.Navigate().GoToUrl(url);
            wait.Until(d => d.FindElements(By.CssSelector("#sockets tbody tr[data-local]")).Count > 0);
            // The browser's own connection to the dashboard is in the table, marked.
            wait.Until(d => d.FindElements(By.CssSelector("#sockets tbody tr.self")).Count == 1);
            // The token left the address bar once the cookie carried it.
            Assert.DoesNotContain("token=", browser.Url);

            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen();
            var local = $"127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}";
            var row = By.CssSelector($"#sockets tbody tr[data-local='{local}'][data-state='LISTEN']");
            wait.Until(d => d.FindElements(row).Count == 1);
            Screenshot(browser, "socket-appears");

            // The filter narrows the table to that socket alone.
            var filter = browser.FindElement(By.Id("filter"));
            filter.SendKeys($"sport = :{((IPEndPoint)listener.LocalEndPoint!).Port}");
            filter.SendKeys(Keys.Enter);
            wait.Until(d => d.FindElements(By.CssSelector("#sockets tbody tr[data-local]")).Count == 1 && d.FindElements(row).Count == 1);
            Screenshot(browser, "filtered");

            listener.Close();
            wait.Until(d => d.FindElements(row).Count == 0);
        }
        finally
        {
            browser.Quit();
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private static void Screenshot(ChromeDriver browser, string name) =>
        browser.GetScreenshot().SaveAsFile(Path.Combine(Artefacts, $"{name}-{Environment.ProcessId}.png"));
}
