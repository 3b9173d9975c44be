using System.Net.Sockets;

namespace Sock.Core.Icmp;

/// <summary>Linux errno values the probe sockets meet, as .NET's <see cref="SocketError"/> (so the usual wording applies).</summary>
internal static class SocketErrors
{
    public static SocketError FromErrno(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,
        11 => SocketError.WouldBlock,
        22 => SocketError.InvalidArgument,
        90 => SocketError.MessageSize,
        97 => SocketError.AddressFamilyNotSupported,
        99 => SocketError.AddressNotAvailable,
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        104 => SocketError.ConnectionReset,
        105 => SocketError.NoBufferSpaceAvailable,
        110 => SocketError.TimedOut,
        111 => SocketError.ConnectionRefused,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
