using Sock.Core.Serving;
using Sock.Core.Tracing;

namespace Sock.Core.Proxies;

/// <summary>
/// How a <see cref="ProxyServer"/> serves: which protocols, who may use it (<see cref="Users"/>), where it may connect
/// (<see cref="Destinations"/>), and how long a client may take to say what it wants. Every property has a documented
/// default; nothing is required.
/// </summary>
public sealed class ProxyServerOptions
{
    /// <summary>The default <see cref="HandshakeTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="ConnectTimeout"/>: 10 s (ncat's connect timeout).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="MaxHeaderBytes"/>: 16 KiB, the most an HTTP request's head may take.</summary>
    public const int DefaultMaxHeaderBytes = 16 * 1024;

    /// <summary>SOCKS version 5 (RFC 1928): CONNECT and UDP ASSOCIATE. Default true.</summary>
    public bool Socks5 { get; init; } = true;

    /// <summary>SOCKS 4 and 4a. Default true (refused when <see cref="Users"/> is set: SOCKS 4 carries no password).</summary>
    public bool Socks4 { get; init; } = true;

    /// <summary>HTTP: CONNECT, and absolute-URI requests (GET, POST…) forwarded. Default true.</summary>
    public bool Http { get; init; } = true;

    /// <summary>
    /// UDP ASSOCIATE (RFC 1928 §7): a UDP relay for the client while its control connection stays open. Default true.
    /// </summary>
    public bool UdpAssociate { get; init; } = true;

    /// <summary>
    /// Who may use the proxy: SOCKS5 username/password (RFC 1929) and HTTP Basic (and Digest when
    /// <see cref="HttpDigest"/>). Null (the default): anyone the listener admits.
    /// </summary>
    public ProxyUsers? Users { get; init; }

    /// <summary>
    /// Offer HTTP Digest authentication (RFC 7616, SHA-256 and MD5) beside Basic, as ncat's proxy does. Default false:
    /// Basic only.
    /// </summary>
    public bool HttpDigest { get; init; }

    /// <summary>
    /// The 407 challenges as ncat's proxy server words them (Digest with MD5 only, no algorithm or charset parameters),
    /// which ncat's own proxy client can parse; `sock nc -l --proxy-type http` sets it.
    /// </summary>
    internal bool NcatChallenges { get; init; }

    /// <summary>The realm named in HTTP's 407 challenge. Default "sock".</summary>
    public string Realm { get; init; } = "sock";

    /// <summary>Which destinations the proxy connects to. Default: every one (except itself: the loop guard always holds).</summary>
    public DestinationRules Destinations { get; init; } = DestinationRules.AllowAll;

    /// <summary>
    /// How long a client may take from accept to a complete request (greeting, authentication, request); longer gets
    /// the protocol's error reply and a close. Default <see cref="DefaultHandshakeTimeout"/>.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>How long connecting to one address of a destination may take. Default <see cref="DefaultConnectTimeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>The most an HTTP request's line and headers may take; more is answered 431 and closed. Default <see cref="DefaultMaxHeaderBytes"/>.</summary>
    public int MaxHeaderBytes { get; init; } = DefaultMaxHeaderBytes;

    /// <summary>Do not resolve destination names (SOCKS4a, SOCKS5 domain names, HTTP hosts are refused). Default false.</summary>
    public bool NoDns { get; init; }

    /// <summary>The server engine's options: limits, drain, idle timeout, I/O threads. Default: the engine's defaults.</summary>
    public ServerOptions Server { get; init; } = new();

    /// <summary>Where socket calls are traced as BSD calls, for both legs; null (the default) traces nothing.</summary>
    public SocketTrace? Trace { get; init; }

    /// <summary>
    /// Splice a session's two sockets in the kernel once the handshake is done, where the system can (Linux); false keeps
    /// every session on the copying relay (--no-splice). Default true.
    /// </summary>
    internal bool Splice { get; init; } = true;
}
