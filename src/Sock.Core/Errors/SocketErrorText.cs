using System.Net.Sockets;

namespace Sock.Core.Errors;

/// <summary>Plain words for the operating system's socket errors, with a hint where one helps.</summary>
internal static class SocketErrorText
{
    /// <summary>"connection refused (nothing is listening there)" and the like.</summary>
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing is listening there)",
        SocketError.TimedOut => "timed out (no answer: a firewall may be dropping packets)",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable (no route to that network)",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.AddressAlreadyInUse => "address already in use (another socket holds that port)",
        SocketError.AddressNotAvailable => "address not available (it is not an address of this host)",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        SocketError.HostNotFound => "name not resolved (no such host)",
        SocketError.TryAgain => "name not resolved (temporary failure in name resolution)",
        SocketError.NoData => "name not resolved (the name has no address of that family)",
        SocketError.AddressFamilyNotSupported => "address family not supported on this host",
        SocketError.Shutdown => "the socket was shut down",
        SocketError.NotConnected => "not connected",
        SocketError.MessageSize => "message too long for a datagram",
        SocketError.TooManyOpenSockets => "too many open files (raise ulimit -n)",
        SocketError.NoBufferSpaceAvailable => "no buffer space available",
        SocketError.OperationAborted => "operation aborted",
        SocketError.InvalidArgument => "invalid argument",
        _ => error.ToString(),
    };
}
