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
        foreach (var h in holders)
        {
            var who = h.Owners.Count == 0
                ? ownersIncomplete ? "a process sock cannot see (run as root to see it)" : "no process (the kernel still holds it)"
                : string.Join(" and ", h.Owners.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Command} (pid {o.Pid}, fd {o.Fd})")));
            var user = h.User ?? h.Uid.ToString(CultureInfo.InvariantCulture);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{h.Port}/{h.Netid} {h.State} on {StatRenderer.Address(h.Address, null, 0)} held by {who}, user {user}");
        }
    }
}
