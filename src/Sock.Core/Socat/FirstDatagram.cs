using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Forwarding;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Socat;

/// <summary>
/// socat's UDP-LISTEN and UDP-RECVFROM without fork: bind, wait for the first datagram from a peer the access list
/// admits, then UDP-LISTEN connects the socket to that peer and goes on as UDP: would; UDP-RECVFROM delivers that one
/// datagram (then the end of input) and sends answers back to its sender. (With fork and a UDP target, the forwarder's
/// session per client address serves every peer.)
/// </summary>
internal static class FirstDatagram
{
    /// <summary>Waits for the first admitted datagram on <paramref name="local"/> and returns the leg for its peer.</summary>
    public static async Task<ForwardLeg> ReceiveAsync(EndPoint local, bool dualMode, bool receiveFrom, AccessList access,
        SocketTrace? trace, Action<EndPoint>? bound, CancellationToken ct)
    {
        var socket = SocketBinder.Open(local, SocketType.Dgram, new ListenSettings(DualMode: dualMode), trace);
        try
        {
            var at = socket.LocalEndPoint ?? local;
            bound?.Invoke(at);
            var any = at.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            var buffer = new byte[65536];
            while (true)
            {
                var r = await socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
                if (!access.Empty && r.RemoteEndPoint is IPEndPoint ip && !access.Admits(ip.Address)) continue;
                var first = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                var name = EndpointText.Format(r.RemoteEndPoint);
                if (receiveFrom) return new DatagramLeg(socket, r.RemoteEndPoint, name, ownsSocket: true, first, oneDatagram: true);
                await socket.ConnectAsync(r.RemoteEndPoint, cancellationToken: ct).ConfigureAwait(false);
                return new DatagramLeg(socket, peer: null, name, ownsSocket: true, first);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
