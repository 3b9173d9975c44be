using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// /proc/PID/fd read the cheap way, for the socket owner index (ss -p): the descriptor numbers by opendir/readdir64,
/// and each descriptor's target by readlink into a stack buffer, with no string per entry and no stat of each.
/// </summary>
[SupportedOSPlatform("linux")]
internal static partial class ProcFd
{
    // readlink("/proc/PID/fd/N") into a stack buffer; the inode of "socket:[N]", 0 for other files, -2 for EACCES.
    public static long SocketInode(byte[] prefix, int fd)
    {
        Span<byte> path = stackalloc byte[prefix.Length + 12];
        prefix.CopyTo(path);
        fd.TryFormat(path[prefix.Length..], out var written, default, CultureInfo.InvariantCulture);
        path[prefix.Length + written] = 0;
        Span<byte> target = stackalloc byte[64];
        var n = (int)ReadLink(path, target, target.Length);
        if (n < 0) return Errno.Last == Errno.EACCES ? -2 : 0;
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
    public static unsafe List<int>? List(string fdDir, out bool denied)
    {
        denied = false;
        var dir = OpenDir(fdDir);
        if (dir == 0)
        {
            denied = Errno.Last == Errno.EACCES;
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
}
