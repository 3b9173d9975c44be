using Sock.Core.Inspection.Netlink;

namespace Sock.Core.Inspection;

/// <summary>
/// The best socket table source for this machine: on Linux netlink sock_diag, falling back to /proc/net when the
/// kernel refuses netlink; elsewhere .NET's IPGlobalProperties, which lacks owners, queues, Unix and raw sockets.
/// </summary>
public sealed class SocketTableReaders : ISocketTableReader
{
    private readonly ISocketTableReader? _primary;
    private readonly ISocketTableReader _fallback;

    internal SocketTableReaders(ISocketTableReader? primary, ISocketTableReader fallback)
    {
        _primary = primary;
        _fallback = fallback;
        Source = primary?.Source ?? fallback.Source;
    }

    /// <summary>The reader for the operating system sock runs on; with <paramref name="trace"/>, its netlink socket's calls are traced.</summary>
    public static SocketTableReaders ForThisMachine(Sock.Core.Tracing.SocketTrace? trace = null) => OperatingSystem.IsLinux()
        ? new SocketTableReaders(new NetlinkSocketTableReader(new ProcNetReader(), trace), new ProcNetReader())
        : new SocketTableReaders(null, new IPGlobalPropertiesReader());

    /// <inheritdoc />
    public string Source { get; private set; }

    /// <summary>Why the primary source was not used, or what the source cannot show; null when nothing is missing.</summary>
    public string? Limitation { get; private set; }

    /// <summary>True when the source gives the owning processes' inodes (so -p can work).</summary>
    public bool HasInodes => _fallback is not IPGlobalPropertiesReader;

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds) => Read(new SocketTableQuery(kinds));

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketTableQuery query)
    {
        if (_primary is not null)
        {
            try { return _primary.Read(query); }
            catch (NetlinkUnavailableException ex)
            {
                Source = _fallback.Source;
                Limitation = $"{ex.Message}; read {_fallback.Source} instead (no timers for Unix sockets, no TCP internals, no Unix peers)";
            }
        }
        else if (_fallback is IPGlobalPropertiesReader)
        {
            Limitation = IPGlobalPropertiesReader.Missing;
        }
        return _fallback.Read(query);
    }
}
