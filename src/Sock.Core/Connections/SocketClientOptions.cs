using System.Net.Sockets;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Connections;

/// <summary>How <see cref="SocketClient"/> connects. Every property has a documented default; nothing is required.</summary>
public sealed class SocketClientOptions
{
    /// <summary>The address family a host name resolves to; default either (IPv6 and IPv4 tried interleaved, as happy eyeballs).</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    /// <summary>The local address to bind before connecting (ncat's -s); null lets the system choose.</summary>
    public string? SourceAddress { get; init; }

    /// <summary>The local port to bind before connecting (ncat's -p); null lets the system choose.</summary>
    public int? SourcePort { get; init; }

    /// <summary>How long each address may take to connect; null: the system's own limit.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Do not resolve names: the host must be an address (ncat's -n). Default false.</summary>
    public bool NoDns { get; init; }

    /// <summary>Where the socket calls are traced as BSD calls; null (the default) traces nothing.</summary>
    public SocketTrace? Trace { get; init; }

    /// <summary>The most received bytes held for the reader before receiving pauses; default as a server's connection.</summary>
    public int MaxInputBuffer { get; init; } = ConnectionOptions.DefaultMaxInputBuffer;

    /// <summary>
    /// TLS over the connection (what <c>sock connect --ssl</c> does): server name (SNI), verification, trust file, ALPN,
    /// a client certificate; the handshake may take <see cref="ConnectTimeout"/> (default 10 s, ncat's). Null (the
    /// default): plain. As ncat, the server's certificate is checked only when <see cref="TlsClientOptions.Verify"/> is
    /// set: without it the session is encrypted, but whoever answers is taken for the server.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>
    /// Connect through these proxies (SOCKS4, SOCKS4a, SOCKS5, HTTP CONNECT; a chain): the first is connected to as a
    /// host would be, each asked to connect onward, and the connection returned is the destination's, with whatever it
    /// sent right after the last proxy's reply already in <see cref="Connection.Input"/>; <see cref="Tls"/>, when set, runs
    /// over the tunnel. Null (the default): connect directly. A proxy's refusal is a <see cref="Errors.SockException"/>
    /// in its words ("SOCKS5 proxy 127.0.0.1:1080 refused the connection to 10.1.2.3:22: connection refused (reply 5)").
    /// </summary>
    public Proxies.ProxyOptions? Proxy { get; init; }

    /// <summary>
    /// How long disposing the connection waits for what was written to go out; then the connection is aborted. Default
    /// 10 s: a peer that stops reading cannot hold a client for ever. <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = DefaultCloseTimeout;

    /// <summary>The default <see cref="CloseTimeout"/>, 10 s.</summary>
    public static readonly TimeSpan DefaultCloseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The most written bytes held before a flush waits for the peer; default as a server's connection.</summary>
    public int MaxOutputBuffer { get; init; } = ConnectionOptions.DefaultMaxOutputBuffer;
}
