using System.Net;
using Sock.Core.Errors;
using Sock.Core.Tls;

namespace Sock.Core.Inetd;

/// <summary>
/// Which small services <see cref="InetdServer"/> runs and where: `sock serve`'s choices. Each service listens on its
/// standard port over TCP and UDP unless told otherwise; on <see cref="Port"/>, or <see cref="Base"/> + its standard port;
/// on every address (IPv6 and IPv4 on one socket) unless <see cref="Bind"/>; or on a Unix socket at <see cref="UnixPath"/>.
/// </summary>
public sealed class InetdOptions
{
    /// <summary>The services to run (echo, discard, daytime, qotd, chargen, time, hello); a name given twice runs once.</summary>
    public IReadOnlyList<string> Names { get; set; } = [];

    /// <summary>The one port to serve on (one service; 0 lets the system pick); null: each service's standard port.</summary>
    public int? Port { get; set; }

    /// <summary>Added to each service's standard port (10000: echo on 10007); null or 0: the standard ports themselves.</summary>
    public int? Base { get; set; }

    /// <summary>TCP only (--tcp); with <see cref="UnixPath"/>, a Unix stream socket (the default there).</summary>
    public bool TcpOnly { get; set; }

    /// <summary>UDP only (--udp); with <see cref="UnixPath"/>, a Unix datagram socket.</summary>
    public bool UdpOnly { get; set; }

    /// <summary>A Unix socket path instead of ports (several services: a directory, one NAME.sock each); "@name" is abstract.</summary>
    public string? UnixPath { get; set; }

    /// <summary>The address to bind; null: every address, IPv6 and IPv4 on one dual-mode socket where the system has IPv6.</summary>
    public IPAddress? Bind { get; set; }

    /// <summary>qotd's quotes (null: the built-in list).</summary>
    public IReadOnlyList<string>? Quotes { get; set; }

    /// <summary>
    /// TLS on every stream service (--ssl and its companions), through a <see cref="TlsServerLayer"/>; null: none. TLS runs
    /// over streams only: with TLS the services run over TCP (or a Unix stream socket) alone, and asking for UDP too is a
    /// usage error.
    /// </summary>
    public TlsServerOptions? Tls { get; set; }

    /// <summary>How long a TLS client may take to finish its handshake.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TlsServerLayer.DefaultHandshakeTimeout;

    /// <summary>Serve over streams (TCP or a Unix stream socket).</summary>
    public bool Streams => !UdpOnly || TcpOnly;

    /// <summary>Serve over datagrams (UDP or a Unix datagram socket): not with TLS, which is stream only.</summary>
    public bool Datagrams => (!TcpOnly || UdpOnly) && Tls is null;

    /// <summary>Usage errors in the choices, in `sock serve`'s words (a Unix socket with a port, one port for two services…).</summary>
    public void Validate()
    {
        foreach (var n in Names) SmallServices.StandardPort(n);
        if (Port is not null && Base is not null)
            throw SockException.Usage("serve", "--port --base", "contradictory options (use one)");
        if (Port is > 0 && Names.Distinct().Count() > 1)
            throw SockException.Usage("serve", $"--port {Port}", "one port cannot serve several services (use --base, or --port 0)");
        if (UnixPath is not null && (Port is not null || Base is not null || Bind is not null))
            throw SockException.Usage("serve", "--unix", "contradictory options (a Unix socket has no port or address)");
        // One path is one socket: stream (the default) or datagram (--udp), not both.
        if (UnixPath is not null && TcpOnly && UdpOnly)
            throw SockException.Usage("serve", "--unix --tcp --udp", "contradictory options (a Unix socket path is stream or, with --udp, datagram)");
        if (Tls is not null)
        {
            if (UdpOnly) throw SockException.Usage("serve", "--ssl --udp", "TLS runs over a stream; DTLS is not supported");
            Tls.Validate("serve");
        }
    }
}
