using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;
using Sock.Core.Transport;

namespace Sock.Core.Netcat;

/// <summary>
/// socket → setsockopt(SO_REUSEADDR) → bind → listen for `sock listen`. With no address and no -4/-6 the socket is an
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
            UnixSocketFile.PrepareForBind(path);
            local = new UnixDomainSocketEndPoint(path);
        }
        else if (options.Host is null)
        {
            dual = options.Family == AddressFamily.Unspecified && Socket.OSSupportsIPv6;
            local = new IPEndPoint(options.Family == AddressFamily.InterNetwork || !Socket.OSSupportsIPv6 ? IPAddress.Any : IPAddress.IPv6Any, options.Port);
        }
        else
        {
            var addresses = await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, ct).ConfigureAwait(false);
            local = new IPEndPoint(addresses[0], options.Port);
        }
        var socket = TracedSocket.CreateFor(local, type, trace);
        try
        {
            if (local is IPEndPoint ipl)
            {
                if (type == SocketType.Stream) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, 1);
                if (ipl.AddressFamily == AddressFamily.InterNetworkV6)
                    socket.SetOption(SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, dual ? 0 : 1);
            }
            try
            {
                socket.Bind(local);
            }
            catch (SockException ex) when (ex.SocketError == SocketError.AddressAlreadyInUse && local is IPEndPoint ip)
            {
                throw new SockException(SockErrorKind.Network, ex.Operation, ex.Target, ex.Reason + HolderText(ip.Port, options.Udp), ex.SocketError, ex);
            }
            if (local is UnixDomainSocketEndPoint) UnixSocketFile.RemoveOnExit(options.UnixPath!);
            if (type == SocketType.Stream) socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>"; held by ncat (pid 1234)" for a port, when the socket table says who holds it.</summary>
    public static string HolderText(int port, bool udp)
    {
        try
        {
            var holders = PortHolders.Find(port, udp ? SocketKinds.Udp : SocketKinds.Tcp, out var incomplete);
            var owners = holders.SelectMany(h => h.Owners).DistinctBy(o => o.Pid).ToList();
            if (owners.Count > 0)
                return "; held by " + string.Join(", ", owners.Take(3).Select(o => $"{o.Command} (pid {o.Pid})"));
            if (holders.Count > 0)
                return incomplete ? $"; held by a process of user {holders[0].User ?? holders[0].Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)} that sock cannot see" : "";
            return "";
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>The addresses a bound socket answers on, as -v prints them.</summary>
    public static IReadOnlyList<string> Describe(TracedSocket socket)
    {
        var ep = socket.Socket.LocalEndPoint;
        if (ep is IPEndPoint ip && ip.Address.Equals(IPAddress.IPv6Any) && socket.Socket.DualMode)
            return [EndpointText.Format(ip), EndpointText.Format(new IPEndPoint(IPAddress.Any, ip.Port))];
        return [EndpointText.Format(ep)];
    }
}
