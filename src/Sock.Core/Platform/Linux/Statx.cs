using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>The file type and inode of a path through statx(2), which .NET does not expose (a socket file is not "Normal").</summary>
[SupportedOSPlatform("linux")]
internal static partial class Statx
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 1;
    private const int TypeMask = 0xF000;
    private const int SocketType = 0xC000;
    private const int LinkType = 0xA000;
    private const int DirectoryType = 0x4000;
    private const int RegularType = 0x8000;

    /// <summary>The kind of file at <paramref name="path"/>; a symbolic link there is followed only when <paramref name="follow"/> says so.</summary>
    public static unsafe FileKind Kind(string path, bool follow = false)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (StatxCall(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxType, buffer) != 0)
                return Errno.Last is Errno.ENOENT or Errno.ENOTDIR ? FileKind.Missing : FileKind.Unknown;
        }
        catch (EntryPointNotFoundException) { return FileKind.Unknown; }
        catch (DllNotFoundException) { return FileKind.Unknown; }
        // stx_mask: a file system that could not say the type leaves the bit clear.
        if ((*(uint*)buffer & StatxType) == 0) return FileKind.Unknown;
        var mode = *(ushort*)(buffer + 28);
        return (mode & TypeMask) switch
        {
            SocketType => FileKind.Socket,
            LinkType => FileKind.SymbolicLink,
            DirectoryType => FileKind.Directory,
            RegularType => FileKind.Regular,
            _ => FileKind.Other,
        };
    }

    /// <summary>The inode number of <paramref name="path"/> (statx's stx_ino), or null when it cannot be asked.</summary>
    public static unsafe ulong? Inode(string path)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (StatxCall(AtFdCwd, path, 0, StatxIno, buffer) != 0) return null;
        }
        catch (EntryPointNotFoundException) { return null; }
        catch (DllNotFoundException) { return null; }
        return *(ulong*)(buffer + 32);
    }

    private const uint StatxIno = 0x100;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatxCall(int dirfd, string path, int flags, uint mask, byte* buffer);
}
