using System.Runtime.InteropServices;

namespace Sock.Core.Sockets;

/// <summary>
/// The Linux system calls made straight on descriptors where going through System.Net.Sockets would cost a thread
/// hand-off per completion: the serving engine's epoll transport and sock bench's pipeline loop (epoll, eventfd, recv,
/// send, sendmsg).
/// Results are the kernel's: a count, or minus errno. x86-64 only, where <c>struct epoll_event</c> is packed to 12 bytes.
/// </summary>
internal static unsafe partial class LinuxSocketCalls
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    private const int MsgNoSignal = 0x4000;
    private const int EpollCloexec = 0x80000;
    private const int EfdNonblock = 0x800;
    private const int EfdCloexec = 0x80000;

    /// <summary>True where these calls and the struct layout below match the kernel's.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    public static int CreateEpoll() => EpollCreate1(EpollCloexec);

    public static int CreateEventFd() => EventFd(0, EfdNonblock | EfdCloexec);

    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        var ev = new EpollEvent { Events = events, Data = data };
        return EpollCtl(epfd, op, fd, &ev) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int Wait(int epfd, EpollEvent* events, int max, int timeoutMs)
    {
        var n = EpollWait(epfd, events, max, timeoutMs);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Adds one to an eventfd's counter, waking an epoll_wait that watches it.</summary>
    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = Write(eventFd, &one, sizeof(ulong));
    }

    /// <summary>Clears an eventfd's counter.</summary>
    public static void Drain(int eventFd)
    {
        ulong value;
        _ = Read(eventFd, &value, sizeof(ulong));
    }

    public static int Receive(nint fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)Recv((int)fd, p, (nuint)buffer.Length, 0);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>send(2) without SIGPIPE.</summary>
    public static int Send(nint fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)SendCall((int)fd, p, (nuint)buffer.Length, MsgNoSignal);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>sendmsg(2) of several buffers at once (a gather send), without SIGPIPE. The buffers must be pinned.</summary>
    public static int SendGather(nint fd, IoVector* vectors, int count)
    {
        var header = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var n = (int)SendMsg((int)fd, &header, MsgNoSignal);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    public static int CloseDescriptor(int fd) => Close(fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, void* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendCall(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
