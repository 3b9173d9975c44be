using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>
/// A minimal level-triggered epoll set (Linux x64), so one thread can drive several non-blocking sockets the way a C
/// load generator does, with no thread hand-offs between readiness and the work. Only what the pipeline loop needs.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private readonly int _fd;
    private readonly LinuxSocketCalls.EpollEvent[] _events = new LinuxSocketCalls.EpollEvent[64];

    private EpollLoop(int fd) => _fd = fd;

    /// <summary>True where the calls and their struct layouts match the kernel's.</summary>
    public static bool Supported => LinuxSocketCalls.Supported;

    public static EpollLoop? TryCreate()
    {
        if (!Supported) return null;
        var fd = LinuxSocketCalls.CreateEpoll();
        return fd < 0 ? null : new EpollLoop(fd);
    }

    /// <summary>Watches <paramref name="fd"/> for input, tagged with <paramref name="tag"/>.</summary>
    public bool Add(int fd, int tag) =>
        LinuxSocketCalls.Control(_fd, LinuxSocketCalls.EpollCtlAdd, fd, LinuxSocketCalls.EpollIn, (ulong)tag) == 0;

    /// <summary>Waits up to <paramref name="timeoutMs"/> and returns the tags that are readable (or closed, or in error).</summary>
    public int Wait(Span<int> tags, int timeoutMs)
    {
        fixed (LinuxSocketCalls.EpollEvent* p = _events)
        {
            var n = LinuxSocketCalls.Wait(_fd, p, Math.Min(_events.Length, tags.Length), timeoutMs);
            if (n < 0) return n == -LinuxSocketCalls.EINTR ? 0 : -1;
            for (var i = 0; i < n; i++) tags[i] = (int)_events[i].Data;
            return n;
        }
    }

    public void Dispose() => _ = LinuxSocketCalls.CloseDescriptor(_fd);

    /// <summary>errno for "would block".</summary>
    public const int EAGAIN = LinuxSocketCalls.EAGAIN;

    /// <summary>recv(2) straight on the descriptor: bytes, or -errno.</summary>
    public static int Receive(int fd, Span<byte> buffer) => LinuxSocketCalls.Receive(fd, buffer);

    /// <summary>send(2) straight on the descriptor, no SIGPIPE: bytes, or -errno.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> buffer) => LinuxSocketCalls.Send(fd, buffer);
}
