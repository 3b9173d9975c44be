using System.Runtime.InteropServices;

namespace Sock.Core.Netcat;

/// <summary>The file type and inode of a path through statx(2), which .NET does not expose (a socket file is not "Normal").</summary>
internal static partial class LinuxStat
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 1;
    private const int SocketType = 0xC000;
    private const int TypeMask = 0xF000;

    /// <summary>True when <paramref name="path"/> is a socket file; on failure to ask, true (the bind then decides).</summary>
    public static unsafe bool IsSocket(string path)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return true;
        }
        catch (EntryPointNotFoundException) { return true; }
        catch (DllNotFoundException) { return true; }
        var mode = *(ushort*)(buffer + 28);
        return (mode & TypeMask) == SocketType;
    }

    /// <summary>The inode number of <paramref name="path"/> (statx's stx_ino), or null when it cannot be asked.</summary>
    public static unsafe ulong? Inode(string path)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0) return null;
        }
        catch (EntryPointNotFoundException) { return null; }
        catch (DllNotFoundException) { return null; }
        return *(ulong*)(buffer + 32);
    }

    private const uint StatxIno = 0x100;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
