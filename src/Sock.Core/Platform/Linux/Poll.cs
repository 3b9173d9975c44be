using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>poll(2): wait until descriptors are readable, writable or in error, with a timeout.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Poll
{
    public const short In = 0x001;
    public const short Out = 0x004;
    public const short Err = 0x008;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    /// <summary>poll(2) on one descriptor: the returned events, 0 on timeout, or minus errno.</summary>
    public static int One(int fd, short events, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = events };
        var n = PollCall(&p, 1, timeoutMs);
        return n < 0 ? -Errno.Last : n == 0 ? 0 : p.Returned;
    }

    /// <summary>poll(2) on several descriptors at once: each one's returned events into <paramref name="returned"/>; the count ready, 0 on timeout, or minus errno.</summary>
    public static int All(ReadOnlySpan<int> fds, short events, Span<short> returned, int timeoutMs)
    {
        Span<PollFd> set = fds.Length <= 64 ? stackalloc PollFd[fds.Length] : new PollFd[fds.Length];
        for (var i = 0; i < fds.Length; i++) set[i] = new PollFd { Fd = fds[i], Events = events };
        int n;
        fixed (PollFd* p = set) n = PollCall(p, (nuint)set.Length, timeoutMs);
        var errno = n < 0 ? Errno.Last : 0;
        for (var i = 0; i < fds.Length; i++) returned[i] = n > 0 ? set[i].Returned : (short)0;
        return n < 0 ? -errno : n;
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> is readable or <paramref name="wake"/> (an eventfd, or -1 for none) is signalled,
    /// retrying on EINTR; with no wake descriptor, gives up after <paramref name="timeoutMs"/>. True when
    /// <paramref name="wake"/> was signalled.
    /// </summary>
    public static bool ReadableOrWoken(int fd, int wake, int timeoutMs)
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = fd, Events = In };
        fds[1] = new PollFd { Fd = wake, Events = In };
        while (PollCall(fds, wake >= 0 ? 2u : 1u, wake >= 0 ? -1 : timeoutMs) < 0 && Errno.Last == Errno.EINTR) { }
        return wake >= 0 && fds[1].Returned != 0;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollCall(PollFd* fds, nuint count, int timeout);
}
