using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Forwarding;

/// <summary>
/// A UDP socket towards a peer as a leg (socat's UDP: and UDP-SENDTO:): connected to the peer (only its datagrams are
/// taken), or, with <c>sendTo</c>, unconnected (datagrams sent to the peer, answers taken from anyone), from
/// <c>source</c>/<c>sourcePort</c> when given.
/// </summary>
internal static class DatagramConnect
{
    public static async ValueTask<ForwardLeg> OpenAsync(string host, int port, AddressFamily family, string? source, int? sourcePort, bool sendTo,
        int? receiveBuffer, int? sendBuffer, SocketTrace? trace, CancellationToken ct)
    {
        var name = $"udp:{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}";
        TracedSocket socket;
        EndPoint? peer = null;
        if (!sendTo)
        {
            socket = await Connector.ConnectAsync(new NetcatOptions
            {
                Host = host, Port = port, Udp = true, Family = family, SourceAddress = source, SourcePort = sourcePort,
            }, trace, SilentNetcatObserver.Instance, ct).ConfigureAwait(false);
        }
        else
        {
            var address = (await NameResolver.ResolveAsync(host, family, noDns: false, ct).ConfigureAwait(false))[0];
            peer = new IPEndPoint(address, port);
            socket = TracedSocket.Create(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
            try
            {
                // Bound now (to any address and port unless told), so answers can be received before the first send.
                {
                    var local = source is null ? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any)
                        : (await NameResolver.ResolveAsync(source, address.AddressFamily, noDns: false, ct).ConfigureAwait(false))[0];
                    socket.Bind(new IPEndPoint(local, sourcePort ?? 0));
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (receiveBuffer is { } r) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, r);
        if (sendBuffer is { } s) socket.SetOption(SocketOptionLevel.Socket, SocketOptionName.SendBuffer, s);
        return new DatagramLeg(socket, peer, name, ownsSocket: true);
    }
}
