using System.Globalization;

namespace Sock.Core.Icmp;

/// <summary>
/// What Linux lets this process do with ICMP: a raw socket needs CAP_NET_RAW; an ICMP datagram socket needs one of the
/// process's groups inside net.ipv4.ping_group_range (for IPv6 too). Read from /proc, for explaining the choice; the
/// kernel's answer to socket() is what decides.
/// </summary>
public sealed record PingPrivileges(bool NetRaw, uint EffectiveGroup, IReadOnlyList<uint> Groups, uint? RangeLow, uint? RangeHigh)
{
    /// <summary>True when ping_group_range includes the effective group or a supplementary group.</summary>
    public bool DatagramAllowed => RangeLow is { } lo && RangeHigh is { } hi && lo <= hi &&
        (InRange(EffectiveGroup, lo, hi) || Groups.Any(g => InRange(g, lo, hi)));

    /// <summary>"net.ipv4.ping_group_range is 1 0 (no group)" or "... 0 2147483647, which includes group 1000".</summary>
    public string RangeText => RangeLow is null ? "net.ipv4.ping_group_range is unknown"
        : DatagramAllowed ? $"net.ipv4.ping_group_range ({RangeLow} {RangeHigh}) includes group {AllowedGroup()}"
        : $"net.ipv4.ping_group_range ({RangeLow} {RangeHigh}) does not include group {EffectiveGroup}";

    /// <summary>Reads /proc/self/status (CapEff, Gid, Groups) and /proc/sys/net/ipv4/ping_group_range.</summary>
    public static PingPrivileges Read()
    {
        var netRaw = Environment.IsPrivilegedProcess;
        uint gid = 0;
        var groups = new List<uint>();
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal) &&
                    ulong.TryParse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var caps))
                    netRaw = (caps & (1UL << 13)) != 0;
                else if (line.StartsWith("Gid:", StringComparison.Ordinal))
                {
                    var f = line[4..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length > 1) uint.TryParse(f[1], CultureInfo.InvariantCulture, out gid);
                }
                else if (line.StartsWith("Groups:", StringComparison.Ordinal))
                    foreach (var g in line[7..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        if (uint.TryParse(g, CultureInfo.InvariantCulture, out var v)) groups.Add(v);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        uint? lo = null, hi = null;
        try
        {
            var f = File.ReadAllText("/proc/sys/net/ipv4/ping_group_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && uint.TryParse(f[0], CultureInfo.InvariantCulture, out var a) && uint.TryParse(f[1], CultureInfo.InvariantCulture, out var b))
                (lo, hi) = (a, b);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return new PingPrivileges(netRaw, gid, groups, lo, hi);
    }

    private uint AllowedGroup() => InRange(EffectiveGroup, RangeLow!.Value, RangeHigh!.Value) ? EffectiveGroup
        : Groups.First(g => InRange(g, RangeLow!.Value, RangeHigh!.Value));

    private static bool InRange(uint g, uint lo, uint hi) => g >= lo && g <= hi;
}
