namespace Sock.Core.Inspection;

/// <summary>
/// Who holds a port: the sockets bound to it and their processes. Used by `sock stat --who` and by `sock listen`
/// to name the holder when bind fails with "address in use".
/// </summary>
public static class PortHolders
{
    /// <summary>
    /// The sockets bound to <paramref name="port"/> among <paramref name="kinds"/>, listeners and unconnected
    /// datagram sockets first. <paramref name="ownersIncomplete"/> is true when some processes could not be read.
    /// </summary>
    public static IReadOnlyList<PortHolder> Find(int port, SocketKinds kinds, out bool ownersIncomplete, ISocketTableReader? reader = null)
    {
        reader ??= SocketTableReaders.ForThisMachine();
        var rows = reader.Read(kinds).Where(r => r.LocalPort == port && r.LocalAddress is not null).ToList();
        ownersIncomplete = false;
        if (rows.Count == 0) return [];
        var owners = SocketOwnerIndex.Scan();
        ownersIncomplete = owners.Incomplete;
        return owners.Attach(rows)
            .OrderBy(r => r.State is "LISTEN" or "UNCONN" ? 0 : 1)
            .Select(r => new PortHolder(r.Netid, r.State, r.LocalAddress!, r.LocalPort, r.Uid, UserNames.Of(r.Uid), r.Owners))
            .ToList();
    }
}
