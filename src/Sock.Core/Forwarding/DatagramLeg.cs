using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Sockets;

namespace Sock.Core.Forwarding;

/// <summary>
/// A UDP socket as a leg, for relaying datagrams to and from a stream (socat's <c>- UDP:host:port</c>, <c>UDP-LISTEN:p
/// EXEC:…</c>): what arrives is written to the leg's input, and each flush of what the relay writes is sent as one
/// datagram (<see cref="DatagramWrites"/>). The socket is connected to its peer, or unconnected
/// with a peer to send to (answers taken from anyone: UDP-SENDTO). A first datagram already received (a listener's) is
/// delivered first; with <c>oneDatagram</c> it is all the input there is (UDP-RECVFROM). An empty datagram ends the
/// input, as in socat.
/// </summary>
internal sealed class DatagramLeg : ForwardLeg
{
    private readonly TracedSocket _socket;
    private readonly EndPoint? _peer;
    private readonly bool _ownsSocket;
    private readonly Pipe _in = new();
    private readonly Pipe _out = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly Task _sending;

    public DatagramLeg(TracedSocket socket, EndPoint? peer, string description, bool ownsSocket, byte[]? first = null, bool oneDatagram = false)
    {
        _socket = socket;
        _peer = peer;
        _ownsSocket = ownsSocket;
        Description = description;
        Transport = new DuplexPipe(_in.Reader, _out.Writer);
        _receiving = Task.Run(() => ReceiveAsync(first, oneDatagram));
        _sending = Task.Run(() => DatagramWrites.SendAsync(_out.Reader, _socket, _peer, null, _stop.Token));
    }

    public override IDuplexPipe Transport { get; }

    public override string Description { get; }

    private async Task ReceiveAsync(byte[]? first, bool oneDatagram)
    {
        var writer = _in.Writer;
        try
        {
            if (first is not null)
            {
                await writer.WriteAsync(first, _stop.Token).ConfigureAwait(false);
                if (oneDatagram) return;
            }
            var buffer = new byte[DatagramWrites.MaxDatagram + 1];
            var any = _socket.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            while (true)
            {
                var n = _peer is null
                    ? await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false)
                    : (await _socket.ReceiveFromAsync(buffer, any, _stop.Token).ConfigureAwait(false)).ReceivedBytes;
                if (n == 0) return;
                var flush = await writer.WriteAsync(buffer.AsMemory(0, n), _stop.Token).ConfigureAwait(false);
                if (flush.IsCompleted) return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or Errors.SockException or SocketException) { }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    public override void Abort(string reason, bool reset)
    {
        try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        try { _in.Reader.CancelPendingRead(); } catch (InvalidOperationException) { }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_ownsSocket) _socket.Dispose();
        await Task.WhenAll(_receiving, _sending).ConfigureAwait(false);
        _stop.Dispose();
    }
}
