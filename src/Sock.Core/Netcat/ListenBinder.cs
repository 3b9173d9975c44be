using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// Where `sock listen` binds, from netcat's options: a Unix path (-U), the address given, or with neither the wildcard
/// (<see cref="SocketBinder.Wildcard"/>: <c>[::]</c> in dual mode unless -4/-6), then bound through
/// <see cref="SocketBinder"/> like every other sock server.
/// </summary>
internal static class ListenBinder
{
    /// <summary>Binds (and for streams listens) as <paramref name="options"/> say.</summary>
    public static async Task<TracedSocket> BindAsync(NetcatOptions options, SocketTrace? trace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var type = options.Udp ? SocketType.Dgram : SocketType.Stream;
        EndPoint local;
        var dual = false;
        if (options.UnixPath is { } path)
        {
            local = EndpointText.UnixEndPoint(path, "-U");
        }
        else if (options.Host is null)
        {
            local = SocketBinder.Wildcard(options.Family, options.Port, out dual);
        }
        else
        {
            // Digits and dots, or colons, are an address, never a name to look up: 300.1.1.1 is a usage error, as serve --bind says.
            if (options.Host.Contains(':') || options.Host.All(c => char.IsAsciiDigit(c) || c == '.'))
                EndpointText.ParseAddress(options.Host, "listen address");
            var addresses = await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, ct).ConfigureAwait(false);
            local = new IPEndPoint(addresses[0], options.Port);
        }
        return SocketBinder.Open(local, type, new ListenSettings(dual, options.ReusePort), trace);
    }
}
