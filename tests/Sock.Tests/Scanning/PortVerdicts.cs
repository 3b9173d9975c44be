using System.Text.Json;
using System.Xml.Linq;
using Sock.Core.Scanning;

namespace Sock.Tests.Scanning;

/// <summary>Port → (state, reason) as nmap's XML and sock's JSON report them, so the two can be compared port by port.</summary>
public static class PortVerdicts
{
    /// <summary>
    /// Reads nmap -oX output for one host: listed ports and the ports folded into extraports (nmap 7.80+ lists them in
    /// extrareasons' ports attribute).
    /// </summary>
    public static Dictionary<int, (string State, string Reason)> FromNmapXml(string xml)
    {
        var doc = XDocument.Parse(xml);
        var map = new Dictionary<int, (string, string)>();
        foreach (var port in doc.Descendants("port"))
        {
            var state = port.Element("state")!;
            map[int.Parse(port.Attribute("portid")!.Value)] = (state.Attribute("state")!.Value, state.Attribute("reason")!.Value);
        }
        foreach (var extra in doc.Descendants("extraports"))
        {
            var state = extra.Attribute("state")!.Value;
            foreach (var reasons in extra.Elements("extrareasons"))
            {
                var ports = reasons.Attribute("ports")?.Value
                    ?? throw new InvalidOperationException("this nmap does not list folded ports (needs nmap 7.80 or later)");
                foreach (var p in PortSpec.Parse(ports)) map[p] = (state, reasons.Attribute("reason")!.Value);
            }
        }
        return map;
    }

    /// <summary>Reads sock scan --json output for its first host.</summary>
    public static Dictionary<int, (string State, string Reason)> FromSockJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var map = new Dictionary<int, (string, string)>();
        foreach (var p in doc.RootElement.GetProperty("hosts")[0].GetProperty("ports").EnumerateArray())
            map[p.GetProperty("port").GetInt32()] = (p.GetProperty("state").GetString()!, p.GetProperty("reason").GetString()!);
        return map;
    }

    /// <summary>The open ports of a sock --json report, every host.</summary>
    public static SortedSet<int> OpenFromSockJson(string json) =>
        new(FromSockJson(json).Where(kv => kv.Value.State == "open").Select(kv => kv.Key));

    /// <summary>The open ports of an nmap -oX report.</summary>
    public static SortedSet<int> OpenFromNmapXml(string xml) =>
        new(FromNmapXml(xml).Where(kv => kv.Value.State == "open").Select(kv => kv.Key));
}
