using Sock.Core.Scanning;

namespace Sock.Cli.Rendering;

/// <summary>What both forms of a scan's result agree on: the words for each state, and which ports are listed.</summary>
internal static class ScanVerdicts
{
    public static string StateText(PortState s) => s switch
    {
        PortState.Open => "open",
        PortState.Closed => "closed",
        PortState.Filtered => "filtered",
        _ => "open|filtered",
    };

    // As nmap: open ports are always listed; open|filtered (a UDP port that stayed silent, the interesting ones in UDP)
    // too, unless there are more than 25 of them on the host, when nmap sums them up in its "Not shown" line.
    private const int MostListedOpenFiltered = 25;

    public static Func<PortResult, bool> ShownOn(IEnumerable<PortResult> host, bool all)
    {
        var openFiltered = host.Count(r => r.State == PortState.OpenFiltered);
        return r => all || r.State == PortState.Open || (r.State == PortState.OpenFiltered && openFiltered <= MostListedOpenFiltered);
    }
}
