using System.Net.Sockets;
using Sock.Core.Tls;

namespace Sock.Core.Netcat;

/// <summary>
/// What `sock connect`, `sock listen` and `sock nc` were asked to do, as ncat's options name it. Every property has
/// ncat's default.
/// </summary>
internal sealed class NetcatOptions
{
    /// <summary>Listen (server) instead of connect (client).</summary>
    public bool Listen { get; set; }

    /// <summary>The host to connect to, or the address to listen on (null: the wildcard).</summary>
    public string? Host { get; set; }

    /// <summary>The port (0 with listen: let the system pick, shown with -v).</summary>
    public int Port { get; set; }

    /// <summary>--reuseport: listen with SO_REUSEPORT, sharing the port with other sockets that set it too.</summary>
    public bool ReusePort { get; set; }

    /// <summary>-u: UDP (or a Unix datagram socket with <see cref="UnixPath"/>).</summary>
    public bool Udp { get; set; }

    /// <summary>-U PATH: a Unix domain socket instead of IP.</summary>
    public string? UnixPath { get; set; }

    /// <summary>-4 / -6: only that family (Unspecified: either, and dual-mode wildcard listen).</summary>
    public AddressFamily Family { get; set; } = AddressFamily.Unspecified;

    /// <summary>-n: never look names up.</summary>
    public bool NoDns { get; set; }

    /// <summary>-w: connect timeout.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>-i: close a connection that moved no byte either way for this long.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>-q: quit this long after stdin EOF (negative: wait for the peer forever; null: ncat's default).</summary>
    public TimeSpan? QuitAfterEof { get; set; }

    /// <summary>
    /// UDP client with neither -q nor -i: after stdin EOF, wait until no datagram has arrived for this long, so that
    /// replies have time to arrive.
    /// </summary>
    public TimeSpan UdpLingerAfterEof { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>--proxy (client, TCP): connect through these proxies; null connects directly.</summary>
    public Sock.Core.Proxies.ProxyOptions? Proxy { get; set; }

    /// <summary>--ssl (client): a TLS session over the connection, with these settings; null for plain TCP.</summary>
    public TlsClientOptions? Tls { get; set; }

    /// <summary>--ssl (listening): a TLS session with each client, with these settings; null for plain TCP.</summary>
    public TlsServerOptions? TlsListen { get; set; }

    /// <summary>--no-shutdown: keep the write side open at stdin EOF.</summary>
    public bool NoShutdown { get; set; }

    /// <summary>--recv-only: never read stdin.</summary>
    public bool ReceiveOnly { get; set; }

    /// <summary>--send-only: never write to stdout (what arrives is read and dropped).</summary>
    public bool SendOnly { get; set; }

    /// <summary>-d/--no-stdin: do not read stdin (ncat's -d).</summary>
    public bool NoStdin { get; set; }

    /// <summary>ncat's -d/--delay: wait this long after each write to the peer.</summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>-C: turn LF into CRLF on the way out.</summary>
    public bool Crlf { get; set; }

    /// <summary>-s: the local address to bind before connecting.</summary>
    public string? SourceAddress { get; set; }

    /// <summary>-p: the local port to bind before connecting.</summary>
    public int? SourcePort { get; set; }

    /// <summary>-v count.</summary>
    public int Verbosity { get; set; }

    /// <summary>-o FILE: record the session's bytes as they are.</summary>
    public string? OutputFile { get; set; }

    /// <summary>-x FILE: record the session as a hex dump with direction marks.</summary>
    public string? HexDumpFile { get; set; }

    /// <summary>--append-output: append to -o/-x files instead of truncating.</summary>
    public bool AppendOutput { get; set; }

    /// <summary>-z: only report whether the port accepts a connection.</summary>
    public bool ZeroIo { get; set; }

    /// <summary>-k: keep listening after the first client, serving many at once.</summary>
    public bool KeepOpen { get; set; }

    /// <summary>-m: at most this many clients at once (ncat's default 100).</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>
    /// listen -k, --broker, --chat: the serving engine's epoll threads (<see cref="Serving.ServerOptions.IoThreads"/>; 0: .NET's
    /// socket engine); null: the engine's default.
    /// </summary>
    public int? IoThreads { get; set; }

    /// <summary>--allow / --allowfile entries: addresses, CIDR ranges or names.</summary>
    public IList<string> Allow { get; } = [];

    /// <summary>--deny / --denyfile entries.</summary>
    public IList<string> Deny { get; } = [];

    /// <summary>--broker: relay each client's data to all the others.</summary>
    public bool Broker { get; set; }

    /// <summary>--chat: broker with a &lt;user#N&gt; name per client and control characters escaped.</summary>
    public bool Chat { get; set; }

    /// <summary>-e: run this program with the connection as its stdin and stdout.</summary>
    public string? Exec { get; set; }

    /// <summary>-c: run this shell command (/bin/sh -c) with the connection as its stdin and stdout.</summary>
    public string? ShellExec { get; set; }

    /// <summary>The size of each copy buffer.</summary>
    public int BufferSize { get; set; } = 256 * 1024;

    /// <summary>True when stdin is not read at all.</summary>
    public bool IgnoresStdin => NoStdin || ReceiveOnly;

    /// <summary>True when a program stands in for stdin/stdout.</summary>
    public bool RunsProgram => Exec is not null || ShellExec is not null;

    /// <summary>A shallow copy (the allow and deny lists are shared).</summary>
    public NetcatOptions Copy() => (NetcatOptions)MemberwiseClone();
}
