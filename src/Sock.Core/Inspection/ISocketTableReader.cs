namespace Sock.Core.Inspection;

/// <summary>
/// Reads the operating system's socket table. One implementation per data source (Linux /proc/net, Linux netlink
/// sock_diag, Windows, macOS), so commands do not care where the rows come from.
/// </summary>
public interface ISocketTableReader
{
    /// <summary>A short name of the data source, for messages ("/proc/net").</summary>
    string Source { get; }

    /// <summary>Every socket of the requested kinds the source can see.</summary>
    IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds);
}
