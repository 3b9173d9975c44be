using Sock.Core.Inspection;

namespace Sock.Cli.Rendering;

/// <summary>One socket in sock stat --json: every field the source gave.</summary>
internal sealed record StatJsonRow(
    string Netid, string State, long RecvQ, long SendQ,
    string? LocalAddress, int? LocalPort, string? PeerAddress, int? PeerPort,
    string? Path, long? PeerInode, long Inode, int Uid, string? User, string? Cookie, string? Cgroup, bool? V6Only, int? InterfaceIndex,
    StatJsonTimer? Timer, TcpInternals? Tcp, SocketMemory? Memory, IReadOnlyList<SocketOwner> Processes)
{
    public static StatJsonRow From(SocketTableEntry r) => new(
        r.Netid, r.State, r.RecvQ, r.SendQ,
        r.LocalAddress?.ToString(), r.IsUnix ? null : r.LocalPort,
        r.PeerAddress?.ToString(), r.IsUnix ? null : r.PeerPort,
        r.Path, r.IsUnix ? r.PeerInode : null, r.Inode, r.Uid, r.Uid < 0 ? null : UserNames.Of(r.Uid),
        r.Cookie == 0 ? null : r.Cookie.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        r.CgroupId == 0 ? null : CgroupPaths.PathOf(r.CgroupId),
        r.V6Only, r.InterfaceIndex == 0 ? null : r.InterfaceIndex,
        r.Timer is null ? null : new StatJsonTimer(r.Timer, r.TimerExpiresMs, r.TimerRetransmits),
        r.Tcp, r.Memory, r.Owners);
}

/// <summary>A pending TCP timer in --json.</summary>
internal sealed record StatJsonTimer(string Name, long ExpiresMs, int Retransmits);

/// <summary>One holder of a port in sock stat --who --json.</summary>
internal sealed record StatJsonHolder(string Netid, string State, string Address, int Port, int Uid, string? User, IReadOnlyList<SocketOwner> Processes);
