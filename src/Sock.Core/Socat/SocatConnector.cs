using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tls;
using Sock.Core.Tracing;

namespace Sock.Core.Socat;

/// <summary>
/// Opens a connecting socat address through netcat's connector (happy eyeballs, source address and port, Unix and
/// abstract sockets), with socat's retry=, interval= and forever, its socket options, and TLS for OPENSSL.
/// </summary>
internal static class SocatConnector
{
    /// <summary>Connects as <paramref name="o"/> says; the last attempt's failure is thrown when every attempt failed.</summary>
    public static async Task<SocatEnd> ConnectAsync(SocatConnectOptions o, SocketTrace? trace, ISocatObserver? observer, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await AttemptAsync(o, trace, ct).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network && (o.Forever || attempt < o.Retry))
            {
                observer?.Notice($"{o.Name}: {ex.Message}; retrying in {o.Interval.TotalSeconds:0.###} s");
                await Task.Delay(o.Interval, ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<SocatEnd> AttemptAsync(SocatConnectOptions o, SocketTrace? trace, CancellationToken ct)
    {
        if (o.SendTo) return await SendToAsync(o, trace, ct).ConfigureAwait(false);
        var netcat = new NetcatOptions
        {
            Host = o.Host,
            Port = o.Port,
            UnixPath = o.UnixPath,
            Udp = o.Datagram,
            Family = o.Family,
            SourceAddress = o.SourceAddress,
            SourcePort = o.SourcePort,
            ConnectTimeout = o.ConnectTimeout,
        };
        TracedSocket socket;
        try
        {
            socket = await Connector.ConnectAsync(netcat, trace, SilentNetcatObserver.Instance, ct).ConfigureAwait(false);
        }
        catch (SockException ex) when (o.EitherType && !o.Datagram && ex.SocketError == SocketError.ProtocolType)
        {
            // UNIX-CLIENT: the path is a datagram socket (connect says EPROTOTYPE); socat then sends datagrams to it.
            netcat.Udp = true;
            socket = await Connector.ConnectAsync(netcat, trace, SilentNetcatObserver.Instance, ct).ConfigureAwait(false);
        }
        try
        {
            o.Tuning.Apply(socket);
            if (o.Tls is null) return new SocketEnd(socket, o.Name) { Crlf = o.Crlf };
            var target = o.UnixPath ?? EndpointText.Format(socket.Socket.RemoteEndPoint);
            var ssl = await TlsClient.AuthenticateAsync(socket, o.Tls, o.Host, target, o.ConnectTimeout ?? TlsClient.DefaultHandshakeTimeout, ct)
                .ConfigureAwait(false);
            return new SocketEnd(socket, o.Name, ssl) { Crlf = o.Crlf };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>UDP-SENDTO: an unconnected socket (bound to bind=/sourceport= when given) that sends to the peer.</summary>
    private static async Task<SocatEnd> SendToAsync(SocatConnectOptions o, SocketTrace? trace, CancellationToken ct)
    {
        var addresses = await NameResolver.ResolveAsync(o.Host!, o.Family, noDns: false, ct).ConfigureAwait(false);
        var peer = new IPEndPoint(addresses[0], o.Port);
        var socket = TracedSocket.Create(peer.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
        try
        {
            if (o.SourceAddress is not null || o.SourcePort is not null)
            {
                var local = o.SourceAddress is null ? (peer.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any)
                    : (await NameResolver.ResolveAsync(o.SourceAddress, peer.AddressFamily, noDns: false, ct).ConfigureAwait(false))[0];
                socket.Bind(new IPEndPoint(local, o.SourcePort ?? 0));
            }
            o.Tuning.Apply(socket);
            return new DatagramPeerEnd(socket, peer, o.Name, ownsSocket: true) { Crlf = o.Crlf };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
