using System.Globalization;
using System.IO.Enumeration;
using System.Text;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Inspection;

/// <summary>
/// Which processes hold which sockets, found as ss -p finds them: each /proc/PID/fd/N that links to "socket:[INODE]".
/// Without root, other users' processes cannot be read; <see cref="Incomplete"/> says so.
/// </summary>
internal sealed class SocketOwnerIndex
{
    private readonly Dictionary<long, List<SocketOwner>> _byInode = [];

    private SocketOwnerIndex() { }

    /// <summary>True when some processes' descriptors could not be read (permission), so owners may be missing.</summary>
    public bool Incomplete { get; private set; }

    /// <summary>How many processes' descriptors could not be read.</summary>
    public int DeniedProcesses { get; private set; }

    /// <summary>The holders of the socket with <paramref name="inode"/>.</summary>
    public IReadOnlyList<SocketOwner> OwnersOf(long inode) =>
        _byInode.TryGetValue(inode, out var list) ? list : [];

    /// <summary>Scans /proc (or <paramref name="procRoot"/>); only the processes in <paramref name="pids"/> when given.</summary>
    public static SocketOwnerIndex Scan(string procRoot = "/proc", IEnumerable<int>? pids = null)
    {
        var index = new SocketOwnerIndex();
        // No /proc (Windows, macOS): no owners to find; say the list is incomplete rather than fail.
        if (!Directory.Exists(procRoot)) { index.Incomplete = true; return index; }
        IEnumerable<int> candidates = pids ?? EnumeratePids(procRoot);
        foreach (var pid in candidates)
        {
            var fdDir = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd");
            List<int> fds;
            if (OperatingSystem.IsLinux())
            {
                var listed = ProcFd.List(fdDir, out var denied);
                if (denied) { index.Incomplete = true; index.DeniedProcesses++; continue; }
                if (listed is null) continue;
                fds = listed;
            }
            else try
            {
                // Descriptor numbers straight from the directory entries: no path strings for thousands of fds.
                fds = new FileSystemEnumerable<int>(fdDir, (ref FileSystemEntry e) =>
                    int.TryParse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1,
                    new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0 }).ToList();
            }
            catch (UnauthorizedAccessException) { index.Incomplete = true; index.DeniedProcesses++; continue; }
            catch (IOException) { continue; }
            string? comm = null;
            var prefix = Encoding.UTF8.GetBytes(fdDir + "/");
            foreach (var fd in fds)
            {
                if (fd < 0) continue;
                long inode;
                if (OperatingSystem.IsLinux()) inode = ProcFd.SocketInode(prefix, fd);
                else
                {
                    string? target;
                    try { target = new FileInfo(Path.Combine(fdDir, fd.ToString(CultureInfo.InvariantCulture))).LinkTarget; }
                    catch (IOException) { continue; }
                    catch (UnauthorizedAccessException) { index.Incomplete = true; break; }
                    inode = target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
                }
                if (inode == -2) { index.Incomplete = true; index.DeniedProcesses++; break; }
                if (inode <= 0) continue;
                comm ??= ReadComm(procRoot, pid);
                if (!index._byInode.TryGetValue(inode, out var list))
                    index._byInode[inode] = list = new List<SocketOwner>(1);
                list.Add(new SocketOwner(pid, comm, fd));
            }
        }
        return index;
    }

    /// <summary>Returns <paramref name="rows"/> with their owners filled in.</summary>
    public IReadOnlyList<SocketTableEntry> Attach(IEnumerable<SocketTableEntry> rows) =>
        rows.Select(r => r.Inode != 0 && _byInode.TryGetValue(r.Inode, out var owners) ? r with { Owners = owners } : r).ToList();

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
