using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// Linux's errno values, as the calls in this folder return them (negated), and the one map from errno to .NET's
/// <see cref="SocketError"/>, so a failure met on a raw descriptor is worded as the same failure met through
/// System.Net.Sockets. The numbers are the generic Linux ones (asm-generic/errno.h), the same on x86-64 and arm64.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int EMSGSIZE = 90;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EALREADY = 114;
    public const int EINPROGRESS = 115;

    /// <summary>The errno of the last call made with <c>SetLastError = true</c> on this thread.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>
    /// The .NET name of <paramref name="errno"/>, as the runtime itself maps it (SocketErrorPal), so the usual wording
    /// applies; an errno with no socket meaning is <see cref="SocketError.SocketError"/>.
    /// </summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        0 => SocketError.Success,
        EPERM or EACCES => SocketError.AccessDenied,
        EBADF => SocketError.OperationAborted, // a descriptor closed under the call: our own close
        EAGAIN => SocketError.WouldBlock,
        ENOMEM or ENOBUFS => SocketError.NoBufferSpaceAvailable,
        EINVAL => SocketError.InvalidArgument,
        ENFILE or EMFILE => SocketError.TooManyOpenSockets,
        EPIPE => SocketError.Shutdown, // the peer closed, as .NET maps it
        EMSGSIZE => SocketError.MessageSize,
        EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        ENETDOWN => SocketError.NetworkDown,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ECONNABORTED => SocketError.ConnectionAborted,
        ECONNRESET => SocketError.ConnectionReset,
        ENOTCONN => SocketError.NotConnected,
        ETIMEDOUT => SocketError.TimedOut,
        ECONNREFUSED => SocketError.ConnectionRefused,
        EHOSTUNREACH => SocketError.HostUnreachable,
        EALREADY => SocketError.AlreadyInProgress,
        EINPROGRESS => SocketError.InProgress,
        _ => SocketError.SocketError,
    };
}
