using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// eventfd(2): a counter with a descriptor, the way a thread blocked in epoll_wait or poll is woken from another
/// (a write makes it readable; a read clears it).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class EventFd
{
    private const int NonBlock = 0x800;
    private const int Cloexec = 0x80000;

    /// <summary>A new non-blocking eventfd, or minus errno.</summary>
    public static int Create()
    {
        var fd = Libc.EventFd(0, NonBlock | Cloexec);
        return fd >= 0 ? fd : -Errno.Last;
    }

    /// <summary>Adds one to the counter, waking whoever waits for it to become readable.</summary>
    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = Libc.Write(eventFd, &one, sizeof(ulong));
    }

    /// <summary>Clears the counter.</summary>
    public static void Drain(int eventFd)
    {
        ulong value;
        _ = Libc.Read(eventFd, &value, sizeof(ulong));
    }
}
