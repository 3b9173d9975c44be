using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// The socket calls sock makes straight on descriptors, where System.Net.Sockets would cost a thread hand-off per
/// completion (the serving engine's epoll transport, sock bench's pipeline loop, the connect scan) or does not offer the
/// call (recvmsg with control messages and the error queue, for ping and traceroute; accept4 with room for any Unix
/// address). Results are the kernel's: a descriptor or a count, or minus errno. The structures are the 64-bit Linux
/// ones (x86-64 and arm64 lay them out alike).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class SocketCalls
{
    public const int SolSocket = 1;
    public const int SoError = 4;
    private const int SoLinger = 13;
    private const int SockStream = 1;
    private const int SockNonBlock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int AfInet = 2;
    private const int AfInet6 = 10;
    private const nuint FionBio = 0x5421;
    public const int MsgPeek = 0x2;
    public const int MsgDontWait = 0x40;
    public const int MsgErrQueue = 0x2000;
    private const int MsgNoSignal = 0x4000;

    /// <summary>True where these calls and the structures below match the kernel's: 64-bit Linux.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => OperatingSystem.IsLinux() && IntPtr.Size == 8;

    /// <summary>One buffer of a gather send or a scattered receive (<c>struct iovec</c>).</summary>
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

    /// <summary>socket(AF_INET or AF_INET6, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0): the descriptor, or minus errno.</summary>
    public static int NonBlockingStream(AddressFamily family)
    {
        var fd = SocketCall(family == AddressFamily.InterNetwork ? AfInet : AfInet6, SockStream | SockNonBlock | SockCloexec, 0);
        return fd >= 0 ? fd : -Errno.Last;
    }

    /// <summary>connect(2); 0, or minus errno (EINPROGRESS on a non-blocking socket).</summary>
    public static int Connect(int fd, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* a = sockaddr)
            return ConnectCall(fd, a, (uint)sockaddr.Length) == 0 ? 0 : -Errno.Last;
    }

    /// <summary>recv(2): bytes, or minus errno.</summary>
    public static int Receive(nint fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)Recv((int)fd, p, (nuint)buffer.Length, 0);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>recv(2) with <paramref name="flags"/> (MSG_PEEK, MSG_DONTWAIT…): bytes, or minus errno.</summary>
    public static int Receive(nint fd, Span<byte> buffer, int flags)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)Recv((int)fd, p, (nuint)buffer.Length, flags);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>send(2) without SIGPIPE and without blocking (MSG_DONTWAIT), whatever the descriptor's mode: bytes, or minus errno.</summary>
    public static int SendNow(nint fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)SendCall((int)fd, p, (nuint)buffer.Length, MsgNoSignal | MsgDontWait);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>send(2) without SIGPIPE: bytes, or minus errno.</summary>
    public static int Send(nint fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = (int)SendCall((int)fd, p, (nuint)buffer.Length, MsgNoSignal);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>sendmsg(2) of several buffers at once (a gather send), without SIGPIPE. The buffers must be pinned.</summary>
    public static int SendGather(nint fd, IoVector* vectors, int count)
    {
        var header = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var n = (int)SendMsg((int)fd, &header, MsgNoSignal);
        return n >= 0 ? n : -Errno.Last;
    }

    /// <summary>
    /// recvmsg(2) without blocking: the datagram into <paramref name="data"/>, the sender's address and the control
    /// messages into <paramref name="control"/>. Returns the byte count or minus errno; <paramref name="controlLength"/> is
    /// how much of <paramref name="control"/> the kernel filled.
    /// </summary>
    public static int ReceiveMessage(int fd, Span<byte> data, Span<byte> address, Span<byte> control, int flags,
        out int addressLength, out int controlLength, out int messageFlags) =>
        ReceiveMessageCore(fd, data, address, control, flags | MsgDontWait, out addressLength, out controlLength, out messageFlags);

    /// <summary>
    /// recvmsg(2) that waits for a datagram as long as the socket's SO_RCVTIMEO allows (-EAGAIN when it runs out,
    /// -EINTR when a signal came): one system call where a non-blocking read, then poll, then a read again take three.
    /// </summary>
    public static int ReceiveMessageWaiting(int fd, Span<byte> data, Span<byte> address, Span<byte> control, int flags,
        out int addressLength, out int controlLength, out int messageFlags) =>
        ReceiveMessageCore(fd, data, address, control, flags & ~MsgDontWait, out addressLength, out controlLength, out messageFlags);

    private static int ReceiveMessageCore(int fd, Span<byte> data, Span<byte> address, Span<byte> control, int flags,
        out int addressLength, out int controlLength, out int messageFlags)
    {
        fixed (byte* d = data)
        fixed (byte* a = address)
        fixed (byte* c = control)
        {
            var iov = new IoVector { Base = d, Length = (nuint)data.Length };
            var header = new MessageHeader
            {
                Name = a, NameLength = (uint)address.Length, Vectors = &iov, VectorCount = 1,
                Control = c, ControlLength = (nuint)control.Length,
            };
            var n = (int)RecvMsg(fd, &header, flags);
            addressLength = (int)header.NameLength;
            controlLength = (int)header.ControlLength;
            messageFlags = header.Flags;
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>sendto(2) without blocking; the byte count or minus errno.</summary>
    public static int SendTo(int fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* d = data)
        fixed (byte* a = sockaddr)
        {
            var n = (int)SendToCall(fd, d, (nuint)data.Length, MsgDontWait, a, (uint)sockaddr.Length);
            return n >= 0 ? n : -Errno.Last;
        }
    }

    /// <summary>accept4(2) with SOCK_CLOEXEC, the peer's address into <paramref name="address"/>: the new descriptor, or minus errno.</summary>
    public static int Accept(int fd, Span<byte> address)
    {
        fixed (byte* a = address)
        {
            var length = (uint)address.Length;
            var client = Accept4(fd, a, &length, SockCloexec);
            return client >= 0 ? client : -Errno.Last;
        }
    }

    /// <summary>getsockopt(2) of an int option; 0, or minus errno.</summary>
    public static int GetIntOption(int fd, int level, int name, out int value)
    {
        int v = 0;
        uint len = sizeof(int);
        var r = GetSockOpt(fd, level, name, &v, &len);
        value = v;
        return r == 0 ? 0 : -Errno.Last;
    }

    /// <summary>A pending connect's outcome (getsockopt SO_ERROR): 0 when it succeeded, else the errno.</summary>
    public static int PendingError(int fd)
    {
        var r = GetIntOption(fd, SolSocket, SoError, out var value);
        return r == 0 ? value : -r;
    }

    /// <summary>getsockname(2) into <paramref name="address"/>: the address's length, or minus errno.</summary>
    public static int LocalAddress(int fd, Span<byte> address)
    {
        fixed (byte* a = address)
        {
            var length = (uint)address.Length;
            return GetSockName(fd, a, &length) == 0 ? (int)length : -Errno.Last;
        }
    }

    /// <summary>
    /// Makes <paramref name="fd"/> non-blocking with one ioctl(FIONBIO): 0, or minus errno. Where .NET's
    /// <c>Socket.Blocking = false</c> costs two fcntl calls (F_GETFL, F_SETFL) — for sockets whose bytes only sock's
    /// reactor moves, so .NET's own idea of the mode does not matter.
    /// </summary>
    public static int SetNonBlocking(nint fd)
    {
        var on = 1;
        return IoCtl((int)fd, FionBio, &on) == 0 ? 0 : -Errno.Last;
    }

    /// <summary>Closes with an RST instead of a FIN (SO_LINGER 0), so the socket leaves no TIME_WAIT behind.</summary>
    public static void SetAbortiveClose(int fd)
    {
        var linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        _ = SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int));
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketCall(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int ConnectCall(int fd, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4(int fd, byte* address, uint* length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendCall(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MessageHeader* message, int flags);

    // Without the GC transition: sendto is only ever called here with MSG_DONTWAIT, so it cannot block (a full buffer is
    // EAGAIN), and a flood makes one per round trip (RhpPInvokeReturn alone was 0.5 % of a flood's samples, perf record, 2026-12-07).
    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    [SuppressGCTransition]
    private static partial nint SendToCall(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoCtl(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static partial int GetSockName(int fd, byte* address, uint* length);
}
