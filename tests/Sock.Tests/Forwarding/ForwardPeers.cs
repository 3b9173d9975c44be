using System.Net;
using System.Net.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// Spellings and peers for the forward tests: where a forwarder listens and where its target is, per transport, and a
/// socat target running a program per connection.
/// </summary>
internal static class ForwardPeers
{
    /// <summary>A listening spelling on loopback port 0 (or a fresh socket path in <paramref name="dir"/>).</summary>
    public static string ListenSpelling(string transport, TempDirectory dir, string scheme = "tcp") => transport switch
    {
        Transports.Tcp4 => $"{scheme}:127.0.0.1:0",
        Transports.Tcp6 => $"{scheme}:[::1]:0",
        Transports.Udp4 => "udp:127.0.0.1:0",
        Transports.Udp6 => "udp:[::1]:0",
        _ => "unix:" + dir.File($"fwd-{Guid.NewGuid():N}.sock"),
    };

    /// <summary>A target spelling for <paramref name="endpoint"/>.</summary>
    public static string TargetSpelling(EndPoint endpoint, string scheme = "tcp") => endpoint switch
    {
        UnixDomainSocketEndPoint u => "unix:" + u,
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"{scheme}:[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{scheme}:{ip.Address}:{ip.Port}",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    /// <summary>A free port a moment ago (or a path in <paramref name="dir"/>), for peers that cannot bind port 0 and tell.</summary>
    public static (EndPoint EndPoint, int Port, string? Path) Reserve(string transport, TempDirectory dir)
    {
        if (transport == Transports.Unix)
        {
            var path = dir.File($"t-{Guid.NewGuid():N}.sock");
            return (new UnixDomainSocketEndPoint(path), 0, path);
        }
        var ip = transport is Transports.Tcp6 or Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var type = transport is Transports.Udp4 or Transports.Udp6 ? SocketType.Dgram : SocketType.Stream;
        using var s = new Socket(ip.AddressFamily, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        s.Bind(new IPEndPoint(ip, 0));
        var port = ((IPEndPoint)s.LocalEndPoint!).Port;
        return (new IPEndPoint(ip, port), port, null);
    }

    /// <summary>socat's listening address for <paramref name="transport"/>, forking a child per connection.</summary>
    public static string SocatListen(string transport, int port, string? path) => transport switch
    {
        Transports.Unix => $"UNIX-LISTEN:{path},fork",
        Transports.Tcp6 => $"TCP6-LISTEN:{port},bind=[::1],reuseaddr,fork",
        _ => $"TCP4-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork",
    };

    /// <summary>Starts socat listening on a fresh endpoint of <paramref name="transport"/> and running <paramref name="program"/> per connection.</summary>
    public static async Task<(RunningProcess Socat, EndPoint Target)> SocatTargetAsync(string transport, TempDirectory dir, string program)
    {
        var (endpoint, port, path) = Reserve(transport, dir);
        var socat = RunningProcess.Tool("socat", false, "-t", "30", SocatListen(transport, port, path), program);
        await Net.WaitListeningAsync(transport, port, path);
        return (socat, endpoint);
    }
}
