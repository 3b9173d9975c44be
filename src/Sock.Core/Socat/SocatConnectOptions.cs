using System.Net.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Socat;

/// <summary>A connecting socat address (TCP, UDP, UNIX-CONNECT/CLIENT, ABSTRACT-CONNECT/CLIENT, OPENSSL) and its options.</summary>
internal sealed class SocatConnectOptions
{
    /// <summary>The host (name or address) for an IP address type.</summary>
    public string? Host { get; init; }

    /// <summary>The port for an IP address type.</summary>
    public int Port { get; init; }

    /// <summary>The socket path (or @name for an abstract one) for a Unix address type.</summary>
    public string? UnixPath { get; init; }

    /// <summary>UDP (or, for UNIX-CLIENT, a datagram socket when the stream connect is refused for its type).</summary>
    public bool Datagram { get; init; }

    /// <summary>UNIX-CLIENT: a stream connect first, then a datagram socket if the peer is one.</summary>
    public bool EitherType { get; init; }

    /// <summary>UDP-SENDTO: an unconnected socket that sends to the peer and takes datagrams from anyone.</summary>
    public bool SendTo { get; init; }

    /// <summary>TCP4/TCP6 and the like: the family a name resolves to.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    /// <summary>bind=: the local address (IP, or path for a Unix client).</summary>
    public string? SourceAddress { get; init; }

    /// <summary>sourceport= (or bind=ADDR:PORT).</summary>
    public int? SourcePort { get; init; }

    /// <summary>connect-timeout=.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>retry=: attempts after the first failed one.</summary>
    public int Retry { get; init; }

    /// <summary>interval=: the wait between attempts (socat's default 1 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>forever: retry without end.</summary>
    public bool Forever { get; init; }

    /// <summary>keepalive, nodelay, rcvbuf=, sndbuf=.</summary>
    public SocketTuning Tuning { get; init; } = new();

    /// <summary>OPENSSL: the TLS session's options (verify, cafile, cert, key, commonname).</summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>crlf.</summary>
    public bool Crlf { get; init; }

    /// <summary>How the address is named in notices and errors.</summary>
    public required string Name { get; init; }
}
