using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Benchmarking;

/// <summary>
/// A small level-triggered epoll set (Linux, over <see cref="Epoll"/>), so one thread can drive several non-blocking
/// sockets the way a C load generator does, with no thread hand-offs between readiness and the work. Only what the
/// pipeline loop needs.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollLoop : IDisposable
{
    private readonly int _fd;
    private readonly EpollEvents _events = new(64);

    private EpollLoop(int fd) => _fd = fd;

    /// <summary>True where the calls and their struct layouts match the kernel's.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => Epoll.Supported && SocketCalls.Supported;

    public static EpollLoop? TryCreate()
    {
        if (!Supported) return null;
        var fd = Epoll.Create();
        return fd < 0 ? null : new EpollLoop(fd);
    }

    /// <summary>Watches <paramref name="fd"/> for input, tagged with <paramref name="tag"/>.</summary>
    public bool Add(int fd, int tag) => Epoll.Control(_fd, Epoll.CtlAdd, fd, Epoll.In, (ulong)tag) == 0;

    /// <summary>Waits up to <paramref name="timeoutMs"/> and returns the tags that are readable (or closed, or in error).</summary>
    public int Wait(Span<int> tags, int timeoutMs)
    {
        var n = Epoll.Wait(_fd, _events, tags.Length, timeoutMs);
        if (n < 0) return n == -Errno.EINTR ? 0 : -1;
        for (var i = 0; i < n; i++) tags[i] = (int)_events.DataAt(i);
        return n;
    }

    public void Dispose()
    {
        _ = Descriptor.Close(_fd);
        _events.Dispose();
    }

    /// <summary>errno for "would block".</summary>
    public const int EAGAIN = Errno.EAGAIN;

    /// <summary>recv(2) straight on the descriptor: bytes, or -errno.</summary>
    public static int Receive(int fd, Span<byte> buffer) => SocketCalls.Receive(fd, buffer);

    /// <summary>send(2) straight on the descriptor, no SIGPIPE: bytes, or -errno.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> buffer) => SocketCalls.Send(fd, buffer);
}
