using System.Net;
using System.Net.NetworkInformation;

namespace Sock.Core.Scanning;

/// <summary>
/// Which targets are this machine's own addresses. Only there can a connect meet itself (the kernel picks the
/// destination port as the source port), so only there is an open verdict checked for it.
/// </summary>
internal static class LocalAddresses
{
    public static bool[] Flags(IReadOnlyList<ScanTarget> targets)
    {
        HashSet<IPAddress>? own = null;
        var flags = new bool[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var a = targets[i].Address;
            if (IPAddress.IsLoopback(a) || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any))
            {
                flags[i] = true;
                continue;
            }
            try
            {
                own ??= [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
            }
            catch (NetworkInformationException)
            {
                own = [];
            }
            flags[i] = own.Contains(a);
        }
        return flags;
    }
}
