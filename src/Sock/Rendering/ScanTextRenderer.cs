using System.Globalization;
using Sock.Core.Scanning;
using Sock.Core.Services;

namespace Sock.Cli.Rendering;

/// <summary>A scan as nmap prints one: a report per host with its listed ports, the "Not shown" line, and the totals.</summary>
internal sealed class ScanTextRenderer(TextWriter output, bool all, bool banners) : IRenderer<ScanOutcome>
{
    private readonly TextWriter _output = output;
    private readonly bool _all = all;
    private readonly bool _banners = banners;

    public void Render(ScanOutcome result)
    {
        var report = result.Report;
        var rich = Terminal.RichStdout;
        var first = true;
        var byTarget = report.Results.ToLookup(r => r.Target);
        foreach (var target in report.Targets)
        {
            var group = byTarget[target].ToList();
            var unlisted = report.UnlistedClosedOf(target);
            if (group.Count == 0 && unlisted == 0) continue;
            if (!first) _output.WriteLine();
            first = false;
            _output.WriteLine($"Scan report for {target}");
            var isShown = ScanVerdicts.ShownOn(group, _all);
            var shown = group.Where(isShown).ToList();
            if (shown.Count > 0)
            {
                var headers = _banners ? new[] { "PORT", "STATE", "SERVICE", "BANNER" } : ["PORT", "STATE", "SERVICE"];
                var rows = shown.Select(r =>
                {
                    IReadOnlyList<string> row = _banners
                        ? [$"{r.Port}/{r.Protocol}", ScanVerdicts.StateText(r.State), ServiceRegistry.Default.NameOf(r.Port, r.Protocol) ?? "unknown", r.Banner is { } b ? BannerText.Escape(b, 80) : ""]
                        : [$"{r.Port}/{r.Protocol}", ScanVerdicts.StateText(r.State), ServiceRegistry.Default.NameOf(r.Port, r.Protocol) ?? "unknown"];
                    return row;
                });
                TableWriter.Write(_output, headers, rows, rich);
            }
            var hidden = group.Where(r => !isShown(r)).ToList();
            if (hidden.Count > 0 || unlisted > 0)
                _output.WriteLine(NotShown(hidden, unlisted, report.Protocol));
            else if (shown.Count == 0)
                _output.WriteLine("no ports scanned");
        }
        var hosts = report.Targets.Count;
        if (hosts == 0) return;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Scanned {hosts:N0} {(hosts == 1 ? "host" : "hosts")}, {report.Verdicts:N0} {report.Protocol} {(report.Verdicts == 1 ? "port" : "ports")} in {report.Elapsed.TotalSeconds:0.00}s ({report.PortsPerSecond:N0} ports/s, {report.Probes:N0} probes, up to {report.PeakInFlight:N0} in flight)"));
    }

    /// <summary>
    /// nmap's "Not shown" line: the ports left out, by state and then by reason, largest group first. Closed ports the
    /// scan counted without listing (<paramref name="unlistedClosed"/>) are conn-refused ones.
    /// </summary>
    private static string NotShown(IEnumerable<PortResult> hidden, int unlistedClosed, string protocol)
    {
        var groups = hidden.GroupBy(r => (r.State, r.Reason)).ToDictionary(g => g.Key, g => g.Count());
        if (unlistedClosed > 0)
            groups[(PortState.Closed, "conn-refused")] = groups.GetValueOrDefault((PortState.Closed, "conn-refused")) + unlistedClosed;
        return "Not shown: " + string.Join(", ", groups
            .OrderByDescending(g => g.Value).ThenBy(g => g.Key.State).ThenBy(g => g.Key.Reason, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Value:N0} {ScanVerdicts.StateText(g.Key.State)} {protocol} {(g.Value == 1 ? "port" : "ports")} ({g.Key.Reason})")));
    }
}
