using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Transport;

namespace Sock.Core.Netcat;

/// <summary>
/// The client side: socket → (bind -s/-p) → connect, for TCP, UDP and Unix sockets. A name with several addresses is
/// tried address by address (IPv6 and IPv4 interleaved, as happy eyeballs orders them); the error names the last failure.
/// </summary>
public static class Connector
{
    /// <summary>Connects as <paramref name="options"/> say; the socket is connected (UDP: its default peer is set).</summary>
    public static async Task<TracedSocket> ConnectAsync(NetcatOptions options, SocketTrace? trace, INetcatLog log, CancellationToken cancellationToken)
    {
        var type = options.Udp ? SocketType.Dgram : SocketType.Stream;
        if (options.UnixPath is not null)
            return await ConnectUnixAsync(options, type, trace, cancellationToken).ConfigureAwait(false);
        if (options.Host is null)
            throw SockException.Usage("connect", "(no host)", "a host to connect to is needed");
        var addresses = Interleave(await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, cancellationToken).ConfigureAwait(false));
        IPAddress? source = options.SourceAddress is null ? null
            : (await NameResolver.ResolveAsync(options.SourceAddress, options.Family, options.NoDns, cancellationToken).ConfigureAwait(false))[0];
        SockException? last = null;
        foreach (var address in addresses)
        {
            if (source is not null && source.AddressFamily != address.AddressFamily) continue;
            var remote = new IPEndPoint(address, options.Port);
            var socket = TracedSocket.CreateFor(remote, type, trace);
            try
            {
                if (source is not null || options.SourcePort is not null)
                {
                    if (options.SourcePort is not null)
                        socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, 1);
                    socket.Bind(new IPEndPoint(source ?? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any),
                        options.SourcePort ?? 0));
                }
                if (!options.Udp) socket.Socket.NoDelay = true;
                await socket.ConnectAsync(remote, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
                if (addresses.Count > 1 && last is not null)
                    log.Write(2, $"{EndpointText.Format(remote)} answered after an earlier address failed: {last.Reason}");
                return socket;
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
            {
                socket.Dispose();
                last = ex;
                log.Write(2, $"Connection to {EndpointText.Format(remote)} failed: {ex.Reason}");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? SockException.Usage("source address", options.SourceAddress ?? "", $"is of another family than every address of {options.Host}");
    }

    private static async Task<TracedSocket> ConnectUnixAsync(NetcatOptions options, SocketType type, SocketTrace? trace, CancellationToken ct)
    {
        var remote = new UnixDomainSocketEndPoint(options.UnixPath!);
        var socket = TracedSocket.CreateFor(remote, type, trace);
        try
        {
            if (type == SocketType.Dgram)
            {
                // A datagram client needs an address of its own for replies to come back to.
                var own = Path.Combine(Path.GetTempPath(), $"sock-nc-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
                socket.Bind(new UnixDomainSocketEndPoint(own));
                UnixSocketFile.RemoveOnExit(own);
            }
            await socket.ConnectAsync(remote, options.ConnectTimeout, ct).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Orders addresses IPv6, IPv4, IPv6, IPv4… starting with the family the resolver put first.</summary>
    internal static List<IPAddress> Interleave(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count < 2) return [.. addresses];
        var first = addresses[0].AddressFamily;
        var a = addresses.Where(x => x.AddressFamily == first).ToList();
        var b = addresses.Where(x => x.AddressFamily != first).ToList();
        var result = new List<IPAddress>(addresses.Count);
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i < a.Count) result.Add(a[i]);
            if (i < b.Count) result.Add(b[i]);
        }
        return result;
    }
}
