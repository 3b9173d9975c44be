using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Sock.Tests.Support;

namespace Sock.Tests.Ui;

/// <summary>
/// Debian's Chromium, headless, through Debian's chromedriver, with a profile of its own (removed at the end) and a
/// window of the size asked; screenshots go beside the test assembly under ui-screenshots/ as the test's artefacts.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public static readonly string Artefacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "ui-screenshots")).FullName;

    private readonly TempDirectory _profile = new("sock-ui-chromium-");

    public HeadlessChromium(int width = 1280, int height = 800)
    {
        if (!File.Exists("/usr/bin/chromium") || !File.Exists("/usr/bin/chromedriver"))
            Assert.Fail("needs Debian's chromium and chromium-driver (test.sh installs them)");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        // --allow-file-access-from-files is not needed: a report is one file with everything inline.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--window-size={width},{height}",
            "--no-first-run", "--user-data-dir=" + _profile.Path);
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    public ChromeDriver Driver { get; }

    /// <summary>Makes the page a phone's: the viewport's width and height in CSS pixels, as Chromium's device emulation sets them.</summary>
    public void EmulatePhone(int width, int height) =>
        Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 2, ["mobile"] = true,
        });

    /// <summary>Back to the window's own size after <see cref="EmulatePhone"/>.</summary>
    public void EndEmulation() => Driver.ExecuteCdpCommand("Emulation.clearDeviceMetricsOverride", []);

    /// <summary>An element's text as a screen reader gets it, whether or not it is drawn (a closed details' table).</summary>
    public static string Text(IWebElement element) => element.GetDomProperty("textContent") ?? "";

    /// <summary>Whether the page is wider than the window (a phone would have to scroll the whole page sideways).</summary>
    public bool OverflowsSideways() =>
        Convert.ToBoolean(Driver.ExecuteScript("return document.documentElement.scrollWidth > window.innerWidth + 1;"), System.Globalization.CultureInfo.InvariantCulture);

    public void Screenshot(string name) =>
        Driver.GetScreenshot().SaveAsFile(Path.Combine(Artefacts, $"{name}-{Environment.ProcessId}.png"));

    public void Dispose()
    {
        try { Driver.Quit(); } finally { Driver.Dispose(); _profile.Dispose(); }
    }
}
