using System.Net;
using Sock.Core.Tls;

namespace Sock.Core.Socat;

/// <summary>A listening or receiving socat address (TCP-LISTEN, UNIX-LISTEN, ABSTRACT-LISTEN, OPENSSL-LISTEN, UDP-LISTEN, UDP-RECVFROM) and its options.</summary>
internal sealed class SocatListenOptions
{
    /// <summary>Where to listen: an IP address and port, or a Unix socket path (abstract: a name starting with NUL).</summary>
    public required EndPoint Local { get; init; }

    /// <summary>An IPv6 wildcard that takes IPv4 too.</summary>
    public bool DualMode { get; init; }

    /// <summary>fork: every client served, each with its own other address, all in this one process; without it, the first only.</summary>
    public bool Fork { get; init; }

    /// <summary>max-children=: at most this many clients served at once (the next waits, as socat's parent waits); 0: no limit.</summary>
    public int MaxChildren { get; init; }

    /// <summary>range=: only peers in these address ranges (CIDR) are served; others are closed (a datagram from them is dropped).</summary>
    public IReadOnlyList<string> Range { get; init; } = [];

    /// <summary>keepalive, nodelay, rcvbuf=, sndbuf= for each accepted socket (rcvbuf/sndbuf for a datagram socket itself).</summary>
    public SocketTuning Tuning { get; init; } = new();

    /// <summary>OPENSSL-LISTEN: the server's certificate and key, and whether a client certificate is required (verify).</summary>
    public TlsServerOptions? Tls { get; init; }

    /// <summary>mode=: the Unix socket file's permissions.</summary>
    public UnixFileMode? UnixMode { get; init; }

    /// <summary>unlink-early: whatever is at the Unix socket path is removed before binding.</summary>
    public bool UnlinkEarly { get; init; }

    /// <summary>UDP-RECVFROM: each session is one datagram (then the end of input) answered to its sender; UDP-LISTEN otherwise.</summary>
    public bool ReceiveFrom { get; init; }

    /// <summary>crlf on each accepted end.</summary>
    public bool Crlf { get; init; }

    /// <summary>How the address is named in notices: "TCP-LISTEN".</summary>
    public required string Name { get; init; }
}
