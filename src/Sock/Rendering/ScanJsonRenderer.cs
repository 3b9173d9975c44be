using System.Text.Json;
using Sock.Core.Scanning;
using Sock.Core.Services;

namespace Sock.Cli.Rendering;

/// <summary>A scan as one JSON document (<see cref="ScanJsonReport"/>).</summary>
internal sealed class ScanJsonRenderer(TextWriter output, bool all) : IRenderer<ScanOutcome>
{
    public void Render(ScanOutcome result) =>
        output.WriteLine(JsonSerializer.Serialize(ToJson(result.Report, result.Failures, all), SockJson.Default.ScanJsonReport));

    /// <summary>The document --json prints (and --report draws).</summary>
    internal static ScanJsonReport ToJson(ScanReport report, IReadOnlyList<TargetFailure> failures, bool all)
    {
        var byTarget = report.Results.ToLookup(r => r.Target);
        var hosts = report.Targets.Where(t => byTarget[t].Any() || report.UnlistedClosedOf(t) > 0).Select(t => (Key: t, Rows: byTarget[t])).Select(g => new ScanJsonHost(
            g.Key.Input, g.Key.Address.ToString(), g.Key.Name, !report.Unreachable.Contains(g.Key),
            new ScanJsonCounts(g.Rows.Count(r => r.State == PortState.Open), g.Rows.Count(r => r.State == PortState.Closed) + report.UnlistedClosedOf(g.Key),
                g.Rows.Count(r => r.State == PortState.Filtered), g.Rows.Count(r => r.State == PortState.OpenFiltered)),
            [.. g.Rows.Where(ScanVerdicts.ShownOn(g.Rows, all)).Select(r => new ScanJsonPort(r.Port, r.Protocol, ScanVerdicts.StateText(r.State), r.Reason,
                ServiceRegistry.Default.NameOf(r.Port, r.Protocol), r.Tries, r.Rtt?.TotalMilliseconds,
                r.Banner is { } b ? BannerText.Escape(b, int.MaxValue) : null))])).ToList();
        return new ScanJsonReport(report.Protocol, report.Timing, Math.Round(report.Elapsed.TotalSeconds, 4), Math.Round(report.PortsPerSecond),
            report.Probes, report.ParallelCeiling, report.PeakInFlight, report.Ports.Count, hosts,
            [.. failures.Select(f => new ScanJsonFailure(f.Input, f.Reason))]);
    }
}
