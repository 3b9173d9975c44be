using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// epoll(7), the one binding every epoll user in sock goes through (the serving engine's reactor, the connect scan,
/// sock bench's pipeline loop). Results are the kernel's: a descriptor or a count, or minus errno.
/// <c>struct epoll_event</c> is not laid out the same everywhere: the kernel declares it packed on x86-64 only
/// (12 bytes, data at offset 4); arm64 aligns the 64-bit data naturally (16 bytes, data at 8). The layout is chosen
/// for the running process, and where it is not known for sure, epoll is not used at all (callers take .NET's path).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdHup = 0x2000;
    public const uint EdgeTriggered = 1u << 31;
    public const int CtlAdd = 1;
    public const int CtlDel = 2;
    public const int CtlMod = 3;
    private const int Cloexec = 0x80000;

    /// <summary>The event layout for the running process, or null where sock does not know the kernel's for sure.</summary>
    internal static EpollEventLayout? Layout { get; } = EpollEventLayout.For(RuntimeInformation.ProcessArchitecture);

    /// <summary>True where this binding matches the kernel's: Linux on x86-64 or arm64.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => OperatingSystem.IsLinux() && Layout is not null;

    /// <summary>epoll_create1(EPOLL_CLOEXEC): the new set's descriptor, or minus errno.</summary>
    public static int Create()
    {
        var fd = EpollCreate1(Cloexec);
        return fd >= 0 ? fd : -Errno.Last;
    }

    /// <summary>epoll_ctl: watch (<see cref="CtlAdd"/>), change (<see cref="CtlMod"/>) or forget (<see cref="CtlDel"/>) <paramref name="fd"/>; 0 or minus errno.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        // Big enough for either layout; the kernel reads only the size it expects.
        var ev = stackalloc byte[16];
        EpollEvents.Write(ev, 0, events, data);
        return EpollCtl(epfd, op, fd, op == CtlDel ? null : ev) == 0 ? 0 : -Errno.Last;
    }

    /// <summary>epoll_wait into <paramref name="events"/>: how many are ready (read them with <see cref="EpollEvents.EventsAt"/>, <see cref="EpollEvents.DataAt"/>), or minus errno.</summary>
    public static int Wait(int epfd, EpollEvents events, int timeoutMs) => Wait(epfd, events, events.Capacity, timeoutMs);

    /// <summary>As <see cref="Wait(int, EpollEvents, int)"/>, taking at most <paramref name="max"/> events.</summary>
    public static int Wait(int epfd, EpollEvents events, int max, int timeoutMs)
    {
        var n = EpollWait(epfd, events.Pointer, Math.Min(max, events.Capacity), timeoutMs);
        return n >= 0 ? n : -Errno.Last;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);
}
