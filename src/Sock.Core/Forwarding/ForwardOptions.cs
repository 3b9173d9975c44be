using Sock.Core.Connections;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Forwarding;

/// <summary>
/// How a <see cref="Forwarder"/> listens and how its <see cref="SocketTarget"/> connects. Every property has a named
/// default; nothing is required.
/// </summary>
public sealed class ForwardOptions
{
    /// <summary>Default <see cref="ConnectTimeout"/>: 10 s, ncat's.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Default <see cref="RetryDelay"/>: 1 s, socat's interval.</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Default <see cref="DrainTimeout"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default <see cref="UdpIdleTimeout"/>: 60 s.</summary>
    public static readonly TimeSpan DefaultUdpIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Default bound of what one direction holds between reading one side and the other side taking it: 256 KiB read
    /// ahead from the sender, 64 KiB waiting to be sent (so at most about 640 KiB a busy pair, both ways; an idle pair holds none).
    /// </summary>
    public const int DefaultMaxInputBuffer = 256 * 1024;

    /// <summary>
    /// Most sessions (client connections, or UDP client addresses) open at once; one more is refused (closed at once, or its
    /// datagrams dropped) and counted. 0: no limit of its own (the open-file limit still applies). Default 0.
    /// </summary>
    public int MaxSessions { get; set; }

    /// <summary>Decides which clients may connect (the netcat access lists); null admits everyone. Default null.</summary>
    public AdmissionFilter? Admission { get; set; }

    /// <summary>A session with no bytes either way for this long is closed ("idle timeout"). Null: never. Default null.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>How long each connection attempt to the target (and its TLS handshake) may take. Default <see cref="DefaultConnectTimeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>Connection attempts to the target after the first fails (socat's retry=). Default 0.</summary>
    public int Retry { get; set; }

    /// <summary>Retry without limit while the client waits (socat's forever). Default false.</summary>
    public bool Forever { get; set; }

    /// <summary>Wait between attempts (socat's interval=). Default <see cref="DefaultRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;

    /// <summary>SO_KEEPALIVE on both legs. Default false.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>TCP_NODELAY on both legs (sends are already coalesced by the pipes). Default true.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>SO_RCVBUF on both legs, in bytes; null leaves the system's. Default null.</summary>
    public int? ReceiveBufferSize { get; set; }

    /// <summary>SO_SNDBUF on both legs, in bytes; null leaves the system's. Default null.</summary>
    public int? SendBufferSize { get; set; }

    /// <summary>The local address to connect to the target from (ncat's -s); null lets the system choose. Default null.</summary>
    public string? SourceAddress { get; set; }

    /// <summary>How long a graceful stop lets open sessions finish before closing them. Default <see cref="DefaultDrainTimeout"/>.</summary>
    public TimeSpan DrainTimeout { get; set; } = DefaultDrainTimeout;

    /// <summary>A UDP session with no datagram either way for this long ends. Default <see cref="DefaultUdpIdleTimeout"/>.</summary>
    public TimeSpan UdpIdleTimeout { get; set; } = DefaultUdpIdleTimeout;

    /// <summary>
    /// TLS on the listening side (<c>tls:PORT</c>): the certificate files (none: a temporary self-signed certificate made
    /// at start), client verification, ALPN. Null: the listening endpoint's scheme decides (a <c>tls:</c> one gets defaults).
    /// </summary>
    public TlsServerOptions? ServerTls { get; set; }

    /// <summary>
    /// TLS towards a <c>tls:</c> target: verification (on by default here, unlike <c>connect --ssl</c>: a forwarder
    /// that carries other people's bytes should know where to), trust file, server name, client certificate.
    /// Null: verification on, the system's roots, the target's host as the name.
    /// </summary>
    public TlsClientOptions? ClientTls { get; set; }

    /// <summary>
    /// Connect to the target through these proxies (SOCKS4/4a/5, HTTP CONNECT; a chain), as <c>connect --proxy</c> does:
    /// the first proxy is reached from <see cref="SourceAddress"/> and within <see cref="ConnectTimeout"/>, the last one
    /// connects to the target, and a <c>tls:</c> target's handshake runs through the tunnel. A proxy's refusal is that
    /// client's refusal (logged; the forwarder goes on). TCP and TLS targets only. Null (the default): connect directly.
    /// </summary>
    public Proxies.ProxyOptions? Proxy { get; set; }

    /// <summary>
    /// Bytes read ahead from one side before reading pauses (TCP flow control then slows that peer down); the same
    /// again is the most held waiting for the other side. Default <see cref="DefaultMaxInputBuffer"/>.
    /// </summary>
    public int MaxInputBuffer { get; set; } = DefaultMaxInputBuffer;

    /// <summary>Epoll threads for the accepted side (0: .NET's socket engine). Default as a server's (<c>ServerOptions.DefaultIoThreads</c>).</summary>
    public int IoThreads { get; set; } = Serving.ServerOptions.DefaultIoThreads;

    /// <summary>SO_REUSEPORT on the listening socket. Default false.</summary>
    public bool ReusePort { get; set; }

    /// <summary>The local port to connect to the target from (socat's sourceport=); null lets the system choose. Default null.</summary>
    internal int? SourcePort { get; set; }

    /// <summary>
    /// A UDP listener towards a target that is not UDP makes a session of every datagram, its whole input (socat's
    /// UDP-RECVFROM with fork), instead of one per client address. Default false.
    /// </summary>
    internal bool SessionPerDatagram { get; set; }

    /// <summary>How each session's relay runs (socat's -u/-U, -T, -t, crlf); default both ways until both sides end.</summary>
    internal ForwardRelayOptions Relay { get; set; } = ForwardRelayOptions.Default;

    /// <summary>
    /// Splice plain socket pairs in the kernel where the system can (Linux); false keeps every pair on the copying relay
    /// (--no-splice: to compare, or to rule the fast path out). Default true.
    /// </summary>
    internal bool Splice { get; set; } = true;

    /// <summary>Where both legs' socket calls are traced as BSD calls; null traces nothing.</summary>
    public SocketTrace? Trace { get; set; }
}
