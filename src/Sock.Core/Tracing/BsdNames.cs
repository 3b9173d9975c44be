using System.Net.Sockets;

namespace Sock.Core.Tracing;

/// <summary>The BSD socket API's names for .NET's enums: AF_INET, SOCK_STREAM, IPPROTO_TCP, SHUT_WR…</summary>
internal static class BsdNames
{
    /// <summary>AF_INET, AF_INET6, AF_UNIX.</summary>
    public static string Family(AddressFamily f) => f switch
    {
        AddressFamily.InterNetwork => "AF_INET",
        AddressFamily.InterNetworkV6 => "AF_INET6",
        AddressFamily.Unix => "AF_UNIX",
        AddressFamily.Unspecified => "AF_UNSPEC",
        _ => "AF_" + f.ToString().ToUpperInvariant(),
    };

    /// <summary>SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET.</summary>
    public static string Type(SocketType t) => t switch
    {
        SocketType.Stream => "SOCK_STREAM",
        SocketType.Dgram => "SOCK_DGRAM",
        SocketType.Raw => "SOCK_RAW",
        SocketType.Seqpacket => "SOCK_SEQPACKET",
        _ => "SOCK_" + t.ToString().ToUpperInvariant(),
    };

    /// <summary>IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP; 0 for the family's default (Unix sockets).</summary>
    public static string Protocol(ProtocolType p) => p switch
    {
        ProtocolType.Tcp => "IPPROTO_TCP",
        ProtocolType.Udp => "IPPROTO_UDP",
        ProtocolType.Icmp => "IPPROTO_ICMP",
        ProtocolType.IcmpV6 => "IPPROTO_ICMPV6",
        ProtocolType.Unspecified or ProtocolType.IP => "0",
        _ => "IPPROTO_" + p.ToString().ToUpperInvariant(),
    };

    /// <summary>SHUT_RD, SHUT_WR, SHUT_RDWR.</summary>
    public static string Shutdown(SocketShutdown how) => how switch
    {
        SocketShutdown.Receive => "SHUT_RD",
        SocketShutdown.Send => "SHUT_WR",
        _ => "SHUT_RDWR",
    };

    /// <summary>SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY, IPV6_V6ONLY…</summary>
    public static string Option(SocketOptionLevel level, SocketOptionName name) => (level, name) switch
    {
        (SocketOptionLevel.Socket, SocketOptionName.ReuseAddress) => "SO_REUSEADDR",
        (SocketOptionLevel.Socket, SocketOptionName.KeepAlive) => "SO_KEEPALIVE",
        (SocketOptionLevel.Socket, SocketOptionName.Broadcast) => "SO_BROADCAST",
        (SocketOptionLevel.Socket, SocketOptionName.Linger) => "SO_LINGER",
        (SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer) => "SO_RCVBUF",
        (SocketOptionLevel.Socket, SocketOptionName.SendBuffer) => "SO_SNDBUF",
        (SocketOptionLevel.Tcp, SocketOptionName.NoDelay) => "TCP_NODELAY",
        (SocketOptionLevel.IPv6, SocketOptionName.IPv6Only) => "IPV6_V6ONLY",
        _ => name.ToString(),
    };

    /// <summary>The errno a socket error stands for: ECONNREFUSED, EADDRINUSE…</summary>
    public static string Errno(SocketError e) => e switch
    {
        SocketError.ConnectionRefused => "ECONNREFUSED",
        SocketError.AddressAlreadyInUse => "EADDRINUSE",
        SocketError.AddressNotAvailable => "EADDRNOTAVAIL",
        SocketError.AccessDenied => "EACCES",
        SocketError.TimedOut => "ETIMEDOUT",
        SocketError.HostUnreachable => "EHOSTUNREACH",
        SocketError.NetworkUnreachable => "ENETUNREACH",
        SocketError.ConnectionReset => "ECONNRESET",
        SocketError.ConnectionAborted => "ECONNABORTED",
        SocketError.NotConnected => "ENOTCONN",
        SocketError.Shutdown => "EPIPE",
        SocketError.InvalidArgument => "EINVAL",
        SocketError.MessageSize => "EMSGSIZE",
        SocketError.TooManyOpenSockets => "EMFILE",
        SocketError.WouldBlock => "EAGAIN",
        SocketError.InProgress => "EINPROGRESS",
        SocketError.OperationAborted => "ECANCELED",
        SocketError.AddressFamilyNotSupported => "EAFNOSUPPORT",
        _ => e.ToString(),
    };
}
