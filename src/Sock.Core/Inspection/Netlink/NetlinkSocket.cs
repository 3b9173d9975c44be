using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Sock.Core.Inspection.Netlink;

/// <summary>
/// A NETLINK_SOCK_DIAG socket through libc: socket, send, recv, close. .NET's Socket class has no netlink
/// address type, and these four calls are all a dump needs.
/// </summary>
internal sealed partial class NetlinkSocket : IDisposable
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkSockDiag = 4;
    private const int SolSocket = 1, SoRcvbuf = 8;
    private int _fd;

    private NetlinkSocket(int fd) => _fd = fd;

    /// <summary>Opens the socket; throws <see cref="Win32Exception"/> when the kernel refuses.</summary>
    public static NetlinkSocket Open()
    {
        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkSockDiag);
        if (fd < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        var size = 1 << 20;
        _ = SetSockOpt(fd, SolSocket, SoRcvbuf, ref size, sizeof(int));
        return new NetlinkSocket(fd);
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        long n;
        do n = SendBytes(_fd, message, message.Length, 0);
        while (n < 0 && Marshal.GetLastPInvokeError() == 4); // EINTR
        if (n < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    public int Receive(Span<byte> buffer)
    {
        long n;
        do n = RecvBytes(_fd, buffer, buffer.Length, 0);
        while (n < 0 && Marshal.GetLastPInvokeError() == 4);
        if (n < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        return (int)n;
    }

    public void Dispose()
    {
        if (_fd >= 0) _ = Close(_fd);
        _fd = -1;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendBytes(int fd, ReadOnlySpan<byte> buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint RecvBytes(int fd, Span<byte> buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
