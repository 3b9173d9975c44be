using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// splice(2) and the pipes it moves bytes through: a socket's received pages go into a pipe and from the pipe to another
/// socket without being copied to user space and back (haproxy's and socat's fast path for a forwarded pair). Results are
/// the kernel's: a count, or minus errno.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Splice
{
    /// <summary>SPLICE_F_MOVE: move pages rather than copy them, where the kernel can.</summary>
    public const uint MovePages = 1;

    /// <summary>SPLICE_F_NONBLOCK: do not block on the pipe (the sockets are non-blocking themselves).</summary>
    public const uint NonBlock = 2;

    private const int ONonblock = 0x800;
    private const int OCloexec = 0x80000;
    private const int FSetPipeSize = 1031;

    /// <summary>splice(from, NULL, to, NULL, length, flags): bytes moved (0: end of stream on a socket), or minus errno.</summary>
    public static long Move(int from, int to, long length, uint flags)
    {
        var n = (long)SpliceCall(from, null, to, null, (nuint)length, flags);
        return n >= 0 ? n : -Errno.Last;
    }

    /// <summary>write(2) of <paramref name="bytes"/> into a pipe's write end: bytes written, or minus errno.</summary>
    public static long Fill(int pipeFd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            var n = (long)Libc.Write(pipeFd, p, (nuint)bytes.Length);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>pipe2(O_NONBLOCK|O_CLOEXEC): 0 and the two ends, or minus errno.</summary>
    public static int OpenPipe(out int readEnd, out int writeEnd)
    {
        var fds = stackalloc int[2];
        if (Pipe2(fds, ONonblock | OCloexec) != 0)
        {
            readEnd = writeEnd = -1;
            return -Errno.Last;
        }
        readEnd = fds[0];
        writeEnd = fds[1];
        return 0;
    }

    /// <summary>fcntl(F_SETPIPE_SZ): the pipe's capacity now (the kernel rounds up to pages), or minus errno.</summary>
    public static int Resize(int pipeFd, int bytes)
    {
        var n = Libc.Fcntl(pipeFd, FSetPipeSize, bytes);
        return n >= 0 ? n : -Errno.Last;
    }

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint SpliceCall(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);
}
