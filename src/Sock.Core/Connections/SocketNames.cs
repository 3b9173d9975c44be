using System.Net.Sockets;

namespace Sock.Core.Connections;

/// <summary>The short names a socket record uses: inet/inet6/unix, tcp/udp/unix/unixgram.</summary>
internal static class SocketNames
{
    public static string Family(AddressFamily f) => f switch
    {
        AddressFamily.InterNetwork => "inet",
        AddressFamily.InterNetworkV6 => "inet6",
        AddressFamily.Unix => "unix",
        _ => f.ToString().ToLowerInvariant(),
    };

    public static string Protocol(AddressFamily f, SocketType t) =>
        f == AddressFamily.Unix ? (t == SocketType.Dgram ? "unixgram" : "unix") : t == SocketType.Dgram ? "udp" : "tcp";
}
