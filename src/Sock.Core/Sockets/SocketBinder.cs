using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;

namespace Sock.Core.Sockets;

/// <summary>
/// The one way every sock server opens its socket (listen in all its modes, serve, stun --serve, agent, bench --server,
/// peer's listener, the demo): socket → setsockopt(SO_REUSEADDR) for TCP → SO_REUSEPORT only when asked → IPV6_V6ONLY
/// → bind → listen(<see cref="DefaultBacklog"/>). A Unix socket path is made free first (a stale socket file nothing
/// answers on is removed; anything else there is refused, see <see cref="UnixSocketFile"/>) and removed at exit.
/// SO_REUSEADDR is set with setsockopt itself, as ncat and socat set it: .NET's ReuseAddress option sets SO_REUSEPORT
/// too on Linux, which lets two servers bind the same port and split its clients without a word. A port in use is a
/// network error naming the process that holds it ("held by ncat (pid 4242)").
/// </summary>
internal static class SocketBinder
{
    /// <summary>The default backlog passed to listen(): Kestrel's 512, for every sock server.</summary>
    public const int DefaultBacklog = 512;

    /// <summary>
    /// The wildcard address to listen on when none was given: with no family asked for, the IPv6 one in dual mode
    /// (<c>[::]</c>, taking IPv4 too, as ncat listens), else the family's own; IPv4 where the system has no IPv6.
    /// </summary>
    public static IPEndPoint Wildcard(AddressFamily family, int port, out bool dualMode)
    {
        dualMode = family == AddressFamily.Unspecified && Socket.OSSupportsIPv6;
        return new IPEndPoint(family == AddressFamily.InterNetwork || !Socket.OSSupportsIPv6 ? IPAddress.Any : IPAddress.IPv6Any, port);
    }

    /// <summary>The addresses a bound socket answers on, as -v prints them: both families for a dual-mode wildcard.</summary>
    public static IReadOnlyList<string> Describe(TracedSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var ep = socket.Socket.LocalEndPoint;
        if (ep is IPEndPoint ip && ip.Address.Equals(IPAddress.IPv6Any) && socket.Socket.DualMode)
            return [EndpointText.Format(ip), EndpointText.Format(new IPEndPoint(IPAddress.Any, ip.Port))];
        return [EndpointText.Format(ep)];
    }

    /// <summary>
    /// Opens a socket of <paramref name="type"/> bound to <paramref name="local"/>, listening if it is a stream socket.
    /// UDP gets no SO_REUSEADDR: on Linux that alone would let a second UDP server bind the port.
    /// </summary>
    public static TracedSocket Open(EndPoint local, SocketType type, ListenSettings settings, SocketTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (settings.ReusePort && !ReusePortSupported)
            throw SockException.Usage("--reuseport", "", "SO_REUSEPORT is not available on this system");
        var unixPath = local is UnixDomainSocketEndPoint && EndpointPath(local) is var p && !EndpointText.IsAbstract(p) ? p : null;
        if (unixPath is not null) UnixSocketFile.PrepareForBind(unixPath);
        var socket = TracedSocket.CreateFor(local, type, trace);
        try
        {
            if (local is IPEndPoint ip)
            {
                if (type == SocketType.Stream) socket.SetReuseAddress();
                if (settings.ReusePort) socket.SetReusePort();
                if (ip.AddressFamily == AddressFamily.InterNetworkV6)
                    socket.SetOption(SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, settings.DualMode ? 0 : 1);
            }
            else if (local is UnixDomainSocketEndPoint && Path.GetDirectoryName(EndpointPath(local)) is { Length: > 0 } dir && !Directory.Exists(dir))
            {
                // bind() says ENOENT, which .NET reports as "address not available": name the missing directory instead.
                throw new SockException(SockErrorKind.Usage, "bind to", EndpointPath(local), $"no such directory: {dir}");
            }
            try
            {
                socket.Bind(local);
            }
            catch (SockException ex) when (ex.SocketError == SocketError.AddressAlreadyInUse && local is IPEndPoint inUse)
            {
                throw new SockException(SockErrorKind.Network, ex.Operation, ex.Target,
                    ex.Reason + HolderText(inUse.Port, type == SocketType.Dgram), ex.SocketError, ex);
            }
            if (unixPath is not null) UnixSocketFile.RemoveOnExit(unixPath);
            if (type == SocketType.Stream) socket.Listen(settings.Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a listening stream socket and a datagram socket on one port of <paramref name="local"/> (a service served
    /// over TCP and UDP alike, as STUN and bench's server are). With port 0 the kernel picks the stream socket's port,
    /// which another program may hold for UDP already: then both are let go and a new port is tried, a few times.
    /// </summary>
    public static (TracedSocket Stream, TracedSocket Datagram) OpenOnOnePort(IPEndPoint local, ListenSettings settings, SocketTrace? trace)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stream = Open(local, SocketType.Stream, settings, trace);
            try
            {
                var port = ((IPEndPoint)stream.LocalEndPoint!).Port;
                return (stream, Open(new IPEndPoint(local.Address, port), SocketType.Dgram, settings, trace));
            }
            catch (SockException ex) when (attempt < 5 && local.Port == 0 && ex.SocketError == SocketError.AddressAlreadyInUse)
            {
                stream.Dispose();
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
    }

    /// <summary>True where sock knows how to set SO_REUSEPORT (Linux, macOS, FreeBSD).</summary>
    public static bool ReusePortSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>"; held by ncat (pid 1234)" for a port, when the socket table says who holds it; "" when it does not.</summary>
    public static string HolderText(int port, bool udp)
    {
        try
        {
            var holders = PortHolders.Find(port, udp ? SocketKinds.Udp : SocketKinds.Tcp, out var incomplete);
            // The listener (or the bound datagram socket) is what refuses the bind; a connection that merely has the
            // port as its local end is not worth naming beside it.
            if (holders.Any(h => h.State is "LISTEN" or "UNCONN")) holders = [.. holders.Where(h => h.State is "LISTEN" or "UNCONN")];
            var owners = holders.SelectMany(h => h.Owners).DistinctBy(o => o.Pid).ToList();
            if (owners.Count > 0)
                return "; held by " + string.Join(", ", owners.Take(3).Select(o => $"{ProgramName(o)} (pid {o.Pid})"));
            if (holders.Count > 0)
                return incomplete ? $"; held by a process of user {holders[0].User ?? holders[0].Uid.ToString(CultureInfo.InvariantCulture)} that sock cannot see" : "";
            return "";
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>
    /// The holder's program: its command name, except that a .NET program run as `dotnet app.dll` (sock itself, run in
    /// place) is named for its .dll rather than "dotnet".
    /// </summary>
    private static string ProgramName(SocketOwner owner)
    {
        if (owner.Command != "dotnet") return owner.Command;
        try
        {
            var args = File.ReadAllText($"/proc/{owner.Pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0');
            var dll = args.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
            return dll is null ? owner.Command : Path.GetFileNameWithoutExtension(dll);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return owner.Command;
        }
    }

    private static string EndpointPath(EndPoint unix) => EndpointText.Format(unix);
}
