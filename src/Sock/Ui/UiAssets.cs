namespace Sock.Cli.Ui;

/// <summary>
/// The pages sock ui and the HTML reports are made of, embedded in the executable: each page gets the chart script and
/// style inlined, so it needs no second request and no network (a report is one file that opens from file://).
/// </summary>
internal static class UiAssets
{
    private static readonly Lazy<string> DashboardPage = new(() => Compose("dashboard.html"));
    private static readonly Lazy<string> ReportPage = new(() => Compose("report.html"));

    /// <summary>sock ui's page.</summary>
    public static string Dashboard => DashboardPage.Value;

    /// <summary>The report page: its title, time and data go where /*SOCK-TITLE*/, /*SOCK-MADE*/ and /*SOCK-DATA*/ are.</summary>
    public static string Report => ReportPage.Value;

    private static string Compose(string page) =>
        Read(page).Replace("/*SOCK-CHART-STYLE*/", Read("charts.css"), StringComparison.Ordinal)
            .Replace("/*SOCK-CHARTS*/", Read("charts.js"), StringComparison.Ordinal);

    private static string Read(string name)
    {
        using var stream = typeof(UiAssets).Assembly.GetManifestResourceStream("Sock.Cli.Ui." + name)
            ?? throw new InvalidOperationException($"the build left out the embedded {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
