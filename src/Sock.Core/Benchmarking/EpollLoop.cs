using System.Runtime.InteropServices;

namespace Sock.Core.Benchmarking;

/// <summary>
/// A minimal level-triggered epoll set (Linux x64), so one thread can drive several non-blocking sockets the way a C
/// load generator does, with no thread hand-offs between readiness and the work. Only what the pipeline loop needs.
/// </summary>
internal sealed partial class EpollLoop : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x001;
    private const int EINTR = 4;
    private readonly int _fd;
    private readonly EpollEvent[] _events = new EpollEvent[64];

    private EpollLoop(int fd) => _fd = fd;

    /// <summary>True where the struct layout below matches the kernel's (x86-64 packs epoll_event to 12 bytes).</summary>
    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public static EpollLoop? TryCreate()
    {
        if (!Supported) return null;
        var fd = EpollCreate1(0);
        return fd < 0 ? null : new EpollLoop(fd);
    }

    /// <summary>Watches <paramref name="fd"/> for input, tagged with <paramref name="tag"/>.</summary>
    public bool Add(int fd, int tag)
    {
        var ev = new EpollEvent { Events = EpollIn, Data = (ulong)tag };
        return EpollCtl(_fd, EpollCtlAdd, fd, ref ev) == 0;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> and returns the tags that are readable (or closed, or in error).</summary>
    public unsafe int Wait(Span<int> tags, int timeoutMs)
    {
        fixed (EpollEvent* p = _events)
        {
            var n = EpollWait(_fd, p, Math.Min(_events.Length, tags.Length), timeoutMs);
            if (n < 0) return Marshal.GetLastPInvokeError() == EINTR ? 0 : -1;
            for (var i = 0; i < n; i++) tags[i] = (int)_events[i].Data;
            return n;
        }
    }

    public void Dispose() => _ = Close(_fd);

    /// <summary>errno for "would block".</summary>
    public const int EAGAIN = 11;

    private const int MsgNoSignal = 0x4000;

    /// <summary>recv(2) straight on the descriptor: bytes, or -errno.</summary>
    public static unsafe int Receive(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)Recv(fd, p, (nuint)buffer.Length, 0);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>send(2) straight on the descriptor, no SIGPIPE: bytes, or -errno.</summary>
    public static unsafe int Send(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)SendTo(fd, p, (nuint)buffer.Length, MsgNoSignal);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendTo(int fd, byte* buffer, nuint length, int flags);

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
