using System.Globalization;

namespace Sock.Core.Inspection;

/// <summary>
/// The kernel's protocol counters as /proc/net/snmp gives them ("Tcp: ActiveOpens PassiveOpens…" then the numbers),
/// which are the values of the TCP-MIB and UDP-MIB scalars. Empty where there is no /proc.
/// </summary>
public sealed class ProtocolCounters
{
    private readonly Dictionary<string, Dictionary<string, long>> _sections;

    private ProtocolCounters(Dictionary<string, Dictionary<string, long>> sections) => _sections = sections;

    /// <summary>Reads /proc/net/snmp (or <paramref name="path"/>); empty when it cannot be read.</summary>
    public static ProtocolCounters Read(string path = "/proc/net/snmp")
    {
        var sections = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return new ProtocolCounters(sections); }
        // Lines come in pairs: the names, then the values, both starting with "Section:".
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length != values.Length || names.Length == 0 || names[0] != values[0]) continue;
            var section = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var j = 1; j < names.Length; j++)
                if (long.TryParse(values[j], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) section[names[j]] = v;
            sections[names[0].TrimEnd(':')] = section;
        }
        return new ProtocolCounters(sections);
    }

    /// <summary>The counter <paramref name="name"/> of <paramref name="section"/> ("Tcp", "ActiveOpens"), or null.</summary>
    public long? Get(string section, string name) =>
        _sections.TryGetValue(section, out var s) && s.TryGetValue(name, out var v) ? v : null;
}
