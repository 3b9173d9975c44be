using System.Globalization;
using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Text;

namespace Sock.Core.Inspection;

/// <summary>
/// Which processes hold which sockets, found as ss -p finds them: each /proc/PID/fd/N that links to "socket:[INODE]".
/// Without root, other users' processes cannot be read; <see cref="Incomplete"/> says so.
/// </summary>
public sealed partial class SocketOwnerIndex
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
        var useReadlink = OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD() || OperatingSystem.IsMacOS();
        foreach (var pid in candidates)
        {
            var fdDir = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd");
            List<int> fds;
            if (useReadlink && OperatingSystem.IsLinux())
            {
                var listed = ListFds(fdDir, out var denied);
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
                if (useReadlink) inode = SocketInodeOf(prefix, fd);
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

    // readlink("/proc/PID/fd/N") into a stack buffer; the inode of "socket:[N]", 0 for other files, -2 for EACCES.
    private static long SocketInodeOf(byte[] prefix, int fd)
    {
        Span<byte> path = stackalloc byte[prefix.Length + 12];
        prefix.CopyTo(path);
        fd.TryFormat(path[prefix.Length..], out var written, default, CultureInfo.InvariantCulture);
        path[prefix.Length + written] = 0;
        Span<byte> target = stackalloc byte[64];
        var n = (int)ReadLink(path, target, target.Length);
        if (n < 0) return Marshal.GetLastPInvokeError() == 13 ? -2 : 0;
        var t = target[..n];
        if (!t.StartsWith("socket:["u8) || t[^1] != (byte)']') return 0;
        long inode = 0;
        foreach (var b in t[8..^1])
        {
            if (b is < (byte)'0' or > (byte)'9') return 0;
            inode = inode * 10 + (b - '0');
        }
        return inode;
    }

    // The descriptor numbers in /proc/PID/fd by opendir/readdir64: .NET's enumerators stat every entry, which for
    // a process holding 20,000 sockets is 40,000 system calls more than needed. Null when the process is gone.
    private static unsafe List<int>? ListFds(string fdDir, out bool denied)
    {
        denied = false;
        var dir = OpenDir(fdDir);
        if (dir == 0)
        {
            denied = Marshal.GetLastPInvokeError() == 13;
            return null;
        }
        var fds = new List<int>();
        try
        {
            while (true)
            {
                var entry = ReadDir64(dir);
                if (entry == 0) break;
                // struct dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                var name = new ReadOnlySpan<byte>((byte*)entry + 19, 12);
                var n = 0;
                var ok = name[0] is >= (byte)'0' and <= (byte)'9';
                foreach (var b in name)
                {
                    if (b == 0) break;
                    if (b is < (byte)'0' or > (byte)'9') { ok = false; break; }
                    n = n * 10 + (b - '0');
                }
                if (ok) fds.Add(n);
            }
        }
        finally { _ = CloseDir(dir); }
        return fds;
    }

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint OpenDir(string path);

    [LibraryImport("libc", EntryPoint = "readdir64", SetLastError = true)]
    private static partial nint ReadDir64(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true)]
    private static partial nint ReadLink(ReadOnlySpan<byte> path, Span<byte> buffer, nint size);

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
