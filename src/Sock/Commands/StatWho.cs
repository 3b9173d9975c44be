using System.Globalization;
using Sock.Cli.Rendering;
using Sock.Core.Inspection;

namespace Sock.Cli.Commands;

/// <summary>sock stat --who: one sentence per socket bound to the port.</summary>
internal static class StatWho
{
    /// <summary>"8080/tcp LISTEN on 127.0.0.1 held by nginx (pid 1234, fd 6), user www-data".</summary>
    public static IEnumerable<string> Describe(IReadOnlyList<PortHolder> holders, bool ownersIncomplete)
    {
        // The holders are the listeners and bound datagram sockets; connections using the port come only when
        // there are none, and TIME-WAIT leftovers (no process, the kernel's) are counted, not listed.
        var binders = holders.Where(h => h.State is "LISTEN" or "UNCONN").ToList();
        if (binders.Count == 0) binders = holders.Where(h => h.State != "TIME-WAIT").ToList();
        var timeWait = holders.Count(h => h.State == "TIME-WAIT");
        foreach (var h in binders)
        {
            var who = h.Owners.Count == 0
                ? ownersIncomplete ? Environment.IsPrivilegedProcess ? "a process whose descriptors could not be read" : "a process sock cannot see (run as root to see it)" : "no process visible in /proc (another PID namespace?)"
                : string.Join(" and ", h.Owners.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Command} (pid {o.Pid}, fd {o.Fd})")));
            var user = h.User ?? h.Uid.ToString(CultureInfo.InvariantCulture);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{h.Port}/{h.Netid} {h.State} on {StatRenderer.Address(h.Address, null, 0)} held by {who}, user {user}");
        }
        if (timeWait > 0)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{holders[0].Port}/tcp: {timeWait} closed connection{(timeWait == 1 ? "" : "s")} in TIME-WAIT (held by the kernel, no process)");
    }
}
