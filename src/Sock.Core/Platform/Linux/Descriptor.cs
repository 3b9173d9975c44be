using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>What every file descriptor takes, whatever it is: close(2), dup2(2), and O_NONBLOCK through fcntl(2).</summary>
[SupportedOSPlatform("linux")]
internal static class Descriptor
{
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int ONonblock = 0x800;

    /// <summary>close(2): 0, or minus errno.</summary>
    public static int Close(int fd) => Libc.Close(fd) == 0 ? 0 : -Errno.Last;

    /// <summary>dup2(2): makes <paramref name="to"/> a copy of <paramref name="from"/> (closing what it was); 0, or minus errno.</summary>
    public static int Duplicate(int from, int to) => Libc.Dup2(from, to) >= 0 ? 0 : -Errno.Last;

    /// <summary>Puts <paramref name="fd"/> in non-blocking mode if it is not already.</summary>
    public static void MakeNonBlocking(int fd)
    {
        var flags = Libc.Fcntl(fd, FGetFl, 0);
        if (flags >= 0 && (flags & ONonblock) == 0) _ = Libc.Fcntl(fd, FSetFl, flags | ONonblock);
    }
}
