namespace Sock.Core.Scanning;

/// <summary>Which connect engine runs a TCP scan.</summary>
public enum ScanEngine
{
    /// <summary>The epoll loop on Linux, else the portable one.</summary>
    Auto,

    /// <summary>System.Net.Sockets with reused SocketAsyncEventArgs: every platform.</summary>
    Portable,

    /// <summary>The single-threaded epoll loop: Linux only.</summary>
    Epoll,
}
