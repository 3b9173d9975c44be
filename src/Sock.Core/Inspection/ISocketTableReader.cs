namespace Sock.Core.Inspection;

/// <summary>
/// Reads the operating system's socket table. One implementation per data source (Linux /proc/net, Linux netlink
/// sock_diag, .NET's IPGlobalProperties elsewhere; Windows and macOS readers can be added), so commands do not care
/// where the rows come from.
/// </summary>
public interface ISocketTableReader
{
    /// <summary>A short name of the data source, for messages ("/proc/net").</summary>
    string Source { get; }

    /// <summary>Every socket of the requested kinds the source can see.</summary>
    IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds);

    /// <summary>
    /// The sockets of the requested kinds and states. Sources that cannot filter in the kernel read everything and
    /// filter here.
    /// </summary>
    IReadOnlyList<SocketTableEntry> Read(SocketTableQuery query) =>
        query.States == SocketStates.All ? Read(query.Kinds)
            : Read(query.Kinds).Where(r => (SocketStates.BitOf(r.State) & query.States) != 0).ToList();
}
