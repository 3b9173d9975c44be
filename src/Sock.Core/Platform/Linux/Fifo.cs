using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace Sock.Core.Platform.Linux;

/// <summary>Named pipes (socat's PIPE:path): mkfifo(3), which .NET does not expose.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Fifo
{
    /// <summary>Makes a named pipe at <paramref name="path"/> with <paramref name="mode"/> (before the umask); 0 or minus errno.</summary>
    public static int Make(string path, uint mode)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes) return MkFifo(p, mode) < 0 ? -Errno.Last : 0;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static partial int MkFifo(byte* path, uint mode);
}
