using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Sock.Core.Tracing;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// A NETLINK_SOCK_DIAG socket through libc: socket, sendto, recvfrom, close. .NET's Socket class has no netlink
/// address type, and these calls are all a dump needs. With a trace, each call is traced as it is made, as for every
/// other socket sock opens (the kernel is the only peer, so the address arguments are NULL).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class NetlinkSocket : IDisposable
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkSockDiag = 4;
    private const int SolSocket = 1, SoRcvbuf = 8;
    private const string SocketCall = "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_SOCK_DIAG)";
    private readonly SocketTrace? _trace;
    private int _fd;

    private NetlinkSocket(int fd, SocketTrace? trace)
    {
        _fd = fd;
        _trace = trace;
    }

    /// <summary>Opens the socket; throws <see cref="Win32Exception"/> when the kernel refuses.</summary>
    public static NetlinkSocket Open(SocketTrace? trace = null)
    {
        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkSockDiag);
        if (fd < 0)
        {
            var errno = Errno.Last;
            trace?.Call($"{SocketCall} = -1 {ErrnoName(errno)}");
            throw new Win32Exception(errno);
        }
        trace?.Call(string.Create(CultureInfo.InvariantCulture, $"{SocketCall} = {fd}"));
        var size = 1 << 20;
        var set = SetSockOpt(fd, SolSocket, SoRcvbuf, ref size, sizeof(int));
        trace?.Call(string.Create(CultureInfo.InvariantCulture, $"setsockopt({fd}, SOL_SOCKET, SO_RCVBUF, {size}){(set < 0 ? " = -1 " + ErrnoName(Errno.Last) : "")}"));
        return new NetlinkSocket(fd, trace);
    }

    /// <summary>sendto(): one request to the kernel.</summary>
    public void Send(ReadOnlySpan<byte> message, string what)
    {
        long n;
        do n = SendTo(_fd, message, message.Length, 0, 0, 0);
        while (n < 0 && Errno.Last == Errno.EINTR);
        if (n < 0)
        {
            var errno = Errno.Last;
            _trace?.Call(string.Create(CultureInfo.InvariantCulture, $"sendto({_fd}, {message.Length}, kernel: {what}) = -1 {ErrnoName(errno)}"));
            throw new Win32Exception(errno);
        }
        _trace?.Call(string.Create(CultureInfo.InvariantCulture, $"sendto({_fd}, {message.Length}, kernel: {what}) = {n}"));
    }

    /// <summary>recvfrom(): the next part of the kernel's answer.</summary>
    public int Receive(Span<byte> buffer)
    {
        long n;
        do n = RecvFrom(_fd, buffer, buffer.Length, 0, 0, 0);
        while (n < 0 && Errno.Last == Errno.EINTR);
        if (n < 0)
        {
            var errno = Errno.Last;
            _trace?.Call(string.Create(CultureInfo.InvariantCulture, $"recvfrom({_fd}) = -1 {ErrnoName(errno)}"));
            throw new Win32Exception(errno);
        }
        // A dump comes in many parts: after the first few they are summed, as any socket's transfers are.
        var fd = _fd;
        _trace?.Transfer(fd, "recvfrom", n, () => string.Create(CultureInfo.InvariantCulture, $"recvfrom({fd}) = {n} bytes from kernel"));
        return (int)n;
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        _trace?.FlushTransfers(_fd);
        _ = Descriptor.Close(_fd);
        _trace?.Call(string.Create(CultureInfo.InvariantCulture, $"close({_fd})"));
        _fd = -1;
    }

    private static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        13 => "EACCES",
        22 => "EINVAL",
        93 => "EPROTONOSUPPORT",
        97 => "EAFNOSUPPORT",
        105 => "ENOBUFS",
        _ => string.Create(CultureInfo.InvariantCulture, $"errno {errno}"),
    };

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendTo(int fd, ReadOnlySpan<byte> buffer, nint length, int flags, nint address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static partial nint RecvFrom(int fd, Span<byte> buffer, nint length, int flags, nint address, nint addressLength);

}
