using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// socket → setsockopt(SO_REUSEADDR) → bind → listen for `sock listen`, through <see cref="ListeningSocket"/>. With no address and no -4/-6 the socket is an
/// IPv6 wildcard in dual mode, taking IPv4 too, as ncat does. "Address in use" names the process holding the port.
/// </summary>
public static class ListenBinder
{
    /// <summary>The backlog passed to listen().</summary>
    public const int Backlog = 512;

    /// <summary>Binds (and for streams listens) as <paramref name="options"/> say.</summary>
    public static async Task<TracedSocket> BindAsync(NetcatOptions options, SocketTrace? trace, CancellationToken ct)
    {
        var type = options.Udp ? SocketType.Dgram : SocketType.Stream;
        EndPoint local;
        var dual = false;
        if (options.UnixPath is { } path)
        {
            local = EndpointText.UnixEndPoint(path, "-U");
            UnixSocketFile.PrepareForBind(path);
        }
        else if (options.Host is null)
        {
            dual = options.Family == AddressFamily.Unspecified && Socket.OSSupportsIPv6;
            local = new IPEndPoint(options.Family == AddressFamily.InterNetwork || !Socket.OSSupportsIPv6 ? IPAddress.Any : IPAddress.IPv6Any, options.Port);
        }
        else
        {
            // Digits and dots, or colons, are an address, never a name to look up: 300.1.1.1 is a usage error, as serve --bind says.
            if (options.Host.Contains(':') || options.Host.All(c => char.IsAsciiDigit(c) || c == '.'))
                EndpointText.ParseAddress(options.Host, "listen address");
            var addresses = await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, ct).ConfigureAwait(false);
            local = new IPEndPoint(addresses[0], options.Port);
        }
        var socket = ListeningSocket.Open(local, type, new ListenSettings(dual, options.ReusePort, Backlog), trace);
        if (local is UnixDomainSocketEndPoint && !EndpointText.IsAbstract(options.UnixPath!)) UnixSocketFile.RemoveOnExit(options.UnixPath!);
        return socket;
    }

    /// <summary>"; held by ncat (pid 1234)" for a port, when the socket table says who holds it.</summary>
    public static string HolderText(int port, bool udp) => ListeningSocket.HolderText(port, udp);

    /// <summary>The addresses a bound socket answers on, as -v prints them.</summary>
    public static IReadOnlyList<string> Describe(TracedSocket socket)
    {
        var ep = socket.Socket.LocalEndPoint;
        if (ep is IPEndPoint ip && ip.Address.Equals(IPAddress.IPv6Any) && socket.Socket.DualMode)
            return [EndpointText.Format(ip), EndpointText.Format(new IPEndPoint(IPAddress.Any, ip.Port))];
        return [EndpointText.Format(ep)];
    }
}
