using System.Globalization;

namespace Sock.Core.Inspection;

/// <summary>
/// Which processes hold which sockets, found as ss -p finds them: each /proc/PID/fd/N that links to "socket:[INODE]".
/// Without root, other users' processes cannot be read; <see cref="Incomplete"/> says so.
/// </summary>
public sealed class SocketOwnerIndex
{
    private readonly Dictionary<long, List<SocketOwner>> _byInode = [];

    private SocketOwnerIndex() { }

    /// <summary>True when some processes' descriptors could not be read (permission), so owners may be missing.</summary>
    public bool Incomplete { get; private set; }

    /// <summary>The holders of the socket with <paramref name="inode"/>.</summary>
    public IReadOnlyList<SocketOwner> OwnersOf(long inode) =>
        _byInode.TryGetValue(inode, out var list) ? list : [];

    /// <summary>Scans /proc (or <paramref name="procRoot"/>); only the processes in <paramref name="pids"/> when given.</summary>
    public static SocketOwnerIndex Scan(string procRoot = "/proc", IEnumerable<int>? pids = null)
    {
        var index = new SocketOwnerIndex();
        IEnumerable<int> candidates = pids ?? EnumeratePids(procRoot);
        foreach (var pid in candidates)
        {
            var fdDir = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd");
            string[] fds;
            try { fds = Directory.GetFiles(fdDir); }
            catch (UnauthorizedAccessException) { index.Incomplete = true; continue; }
            catch (IOException) { continue; }
            string? comm = null;
            foreach (var fdPath in fds)
            {
                string? target;
                try { target = new FileInfo(fdPath).LinkTarget; }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { index.Incomplete = true; break; }
                if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal)) continue;
                if (!long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)) continue;
                if (!int.TryParse(Path.GetFileName(fdPath), NumberStyles.None, CultureInfo.InvariantCulture, out var fd)) continue;
                comm ??= ReadComm(procRoot, pid);
                if (!index._byInode.TryGetValue(inode, out var list))
                    index._byInode[inode] = list = [];
                list.Add(new SocketOwner(pid, comm, fd));
            }
        }
        return index;
    }

    /// <summary>Returns <paramref name="rows"/> with their owners filled in.</summary>
    public IReadOnlyList<SocketTableEntry> Attach(IEnumerable<SocketTableEntry> rows) =>
        rows.Select(r => r.Inode != 0 && _byInode.ContainsKey(r.Inode) ? r with { Owners = OwnersOf(r.Inode) } : r).ToList();

    private static IEnumerable<int> EnumeratePids(string procRoot)
    {
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                yield return pid;
    }

    private static string ReadComm(string procRoot, int pid)
    {
        try { return File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "comm")).TrimEnd('\n'); }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }
}
