using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sock.Core.Scanning;

/// <summary>
/// The few Linux calls the fast connect scan makes directly: socket, connect, epoll, getsockopt(SO_ERROR), close.
/// Going around System.Net.Sockets here saves, per port, the runtime's extra fcntl/poll calls and the hand-off of
/// every completion to the thread pool, which is most of a loopback scan's cost.
/// </summary>
internal static unsafe partial class LinuxSockets
{
    public const int EINPROGRESS = 115;
    public const int ECONNREFUSED = 111;
    public const int ECONNABORTED = 103;
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    public const uint EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010;
    private const int SOL_SOCKET = 1, SO_ERROR = 4, SO_LINGER = 13;

    /// <summary>True where this path works: Linux on x64 or arm64.</summary>
    public static bool Supported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16) elsewhere.</summary>
    public static int EventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int DataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Writes the sockaddr for <paramref name="address"/> and <paramref name="port"/> into <paramref name="buffer"/> and returns its length.</summary>
    public static int WriteSockaddr(IPAddress address, int port, Span<byte> buffer)
    {
        buffer[..28].Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, 2); // AF_INET, host order (little-endian on x64/arm64)
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)port);
            address.TryWriteBytes(buffer[4..8], out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, 10); // AF_INET6
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)port);
        address.TryWriteBytes(buffer[8..24], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[24..], (uint)address.ScopeId);
        return 28;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static int SocketStream(AddressFamily family) =>
        socket(family == AddressFamily.InterNetwork ? 2 : 10, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    public static int Connect(int fd, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* p = sockaddr) return connect(fd, p, sockaddr.Length);
    }

    public static int AddForWrite(int epfd, int fd)
    {
        var ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = EPOLLOUT;
        *(long*)(ev + DataOffset) = fd;
        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev);
    }

    public static int Remove(int epfd, int fd) => epoll_ctl(epfd, EPOLL_CTL_DEL, fd, null);

    /// <summary>Waits for events; returns how many, each as (fd, events) read with <see cref="EventAt"/>.</summary>
    public static int Wait(int epfd, byte[] events, int max, int timeoutMs)
    {
        fixed (byte* p = events) return epoll_wait(epfd, p, max, timeoutMs);
    }

    public static (int Fd, uint Events) EventAt(byte[] events, int i)
    {
        var off = i * EventSize;
        return ((int)BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan(off + DataOffset)), BinaryPrimitives.ReadUInt32LittleEndian(events.AsSpan(off)));
    }

    /// <summary>The connect's outcome: 0 when it succeeded, else the errno.</summary>
    public static int PendingError(int fd)
    {
        int value = 0, len = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) == 0 ? value : Errno;
    }

    /// <summary>
    /// True when the connected socket's own address is <paramref name="remote"/>: the kernel picked the destination port
    /// as the source port and the socket connected to itself (TCP simultaneous open), which says nothing about a listener.
    /// </summary>
    public static bool IsConnectedToItself(int fd, ReadOnlySpan<byte> remote)
    {
        var local = stackalloc byte[32];
        var len = 32;
        if (getsockname(fd, local, &len) != 0 || len != remote.Length) return false;
        return new ReadOnlySpan<byte>(local, len).SequenceEqual(remote);
    }

    /// <summary>Closes with an RST instead of a FIN (SO_LINGER 0), so an open port leaves no TIME_WAIT behind.</summary>
    public static void SetAbortiveClose(int fd)
    {
        var linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, linger, 2 * sizeof(int));
    }

    /// <summary>The .NET name of a Linux errno that connect can give.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        0 => SocketError.Success,
        111 => SocketError.ConnectionRefused,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        110 => SocketError.TimedOut,
        13 or 1 => SocketError.AccessDenied,
        99 => SocketError.AddressNotAvailable,
        105 => SocketError.NoBufferSpaceAvailable,
        24 or 23 => SocketError.TooManyOpenSockets,
        104 => SocketError.ConnectionReset,
        97 => SocketError.AddressFamilyNotSupported,
        11 => SocketError.WouldBlock,
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int connect(int fd, byte* addr, int len);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int max, int timeout);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, void* value, int* len);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static partial int getsockname(int fd, byte* addr, int* len);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, int len);
}
