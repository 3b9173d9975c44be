using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Sock.Core.Sockets;

namespace Sock.Core.Socat;

/// <summary>
/// A datagram end that answers one peer over a socket that may not be connected to it: UDP-SENDTO (sends to its peer,
/// takes datagrams from anyone), UDP-RECVFROM (the one datagram that arrived, then the end of input; answers go back to
/// its sender), and one peer's session on a shared socket under fork (UDP-LISTEN, UDP-RECVFROM: the datagrams the
/// receive loop routes to it, through <c>inbox</c>). Each read is one datagram; an empty one reads as the end, as in socat.
/// </summary>
internal sealed class DatagramPeerEnd : SocatEnd
{
    private readonly TracedSocket _socket;
    private readonly EndPoint _peer;
    private readonly string _name;
    private readonly bool _ownsSocket;
    private readonly bool _connected;
    private readonly bool _oneDatagram;
    private readonly ChannelReader<byte[]>? _inbox;
    private byte[]? _first;
    private bool _ended;

    public DatagramPeerEnd(TracedSocket socket, EndPoint peer, string name, bool ownsSocket, byte[]? first = null,
        bool oneDatagram = false, ChannelReader<byte[]>? inbox = null, bool connected = false)
    {
        _socket = socket;
        _peer = peer;
        _name = name;
        _ownsSocket = ownsSocket;
        _first = first;
        _oneDatagram = oneDatagram;
        _inbox = inbox;
        _connected = connected;
    }

    /// <summary>The peer this end answers.</summary>
    public EndPoint Peer => _peer;

    public override string Name => _name;

    public override bool IsDatagram => true;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (_ended) return 0;
        if (_first is { } first)
        {
            _first = null;
            if (_oneDatagram) _ended = true;
            var n = Math.Min(first.Length, buffer.Length);
            first.AsSpan(0, n).CopyTo(buffer.Span);
            return n;
        }
        if (_oneDatagram) return 0;
        if (_inbox is not null)
        {
            try
            {
                var d = await _inbox.ReadAsync(ct).ConfigureAwait(false);
                var n = Math.Min(d.Length, buffer.Length);
                d.AsSpan(0, n).CopyTo(buffer.Span);
                return n;
            }
            catch (ChannelClosedException) { return 0; }
        }
        if (_connected) return await _socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
        var any = _peer.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var r = await _socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
        return r.ReceivedBytes;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (_connected) await _socket.SendAsync(data, ct).ConfigureAwait(false);
        else await _socket.SendToAsync(data, _peer, ct).ConfigureAwait(false);
    }

    public override ValueTask ShutdownWriteAsync() => default;

    public override ValueTask DisposeAsync()
    {
        if (_ownsSocket) _socket.Dispose();
        return default;
    }
}
