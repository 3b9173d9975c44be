using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Proxies;

/// <summary>
/// SOCKS5's UDP ASSOCIATE (RFC 1928 §7): a UDP socket bound where the client's control connection arrived, whose
/// address the reply names. Each datagram from the client carries a header (RSV, FRAG, ATYP, DST.ADDR, DST.PORT) and
/// is sent on, without it, from a socket of the destination's family; datagrams that come back to that socket from a
/// destination the client has written to get the header of their source and go to the client. The association lasts
/// as long as the control connection. Only the client's own address may use it (and its port, when the request named
/// one); fragments (FRAG ≠ 0) are dropped, as RFC 1928 allows; every destination passes the same rules and loop guard as
/// a CONNECT. Names are resolved once per association (up to 256 of them).
/// </summary>
internal sealed class Socks5UdpRelay : IDisposable
{
    private const int MaxDatagram = 65535;
    private const int MaxPeers = 1024;
    private readonly TracedSocket _clientSide;
    private readonly IPAddress _clientAddress;
    private readonly int _clientPort;
    private readonly ProxyDialer _dialer;
    private readonly ProxySessionState _session;
    private readonly Lock _gate = new();
    private readonly HashSet<IPEndPoint> _peers = [];
    private readonly Dictionary<string, IPAddress[]> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Sock.Core.Tracing.SocketTrace? _trace;
    private TracedSocket? _out4;
    private TracedSocket? _out6;
    private IPEndPoint? _client;
    private readonly CancellationTokenSource _stop = new();

    private Socks5UdpRelay(TracedSocket clientSide, IPAddress clientAddress, int clientPort, ProxyDialer dialer, ProxySessionState session, Sock.Core.Tracing.SocketTrace? trace)
    {
        _clientSide = clientSide;
        _clientAddress = clientAddress;
        _clientPort = clientPort;
        _dialer = dialer;
        _session = session;
        _trace = trace;
    }

    /// <summary>The address the client sends its datagrams to (BND.ADDR and BND.PORT of the reply).</summary>
    public IPEndPoint Bound => (IPEndPoint)_clientSide.LocalEndPoint!;

    /// <summary>
    /// Binds the relay on <paramref name="local"/> (the control connection's local address) for the client at
    /// <paramref name="client"/>; <paramref name="declared"/> is what the request said the client would send from.
    /// </summary>
    public static Socks5UdpRelay Open(IPAddress local, IPAddress client, ProxyRequest declared, ProxyDialer dialer, ProxySessionState session, Sock.Core.Tracing.SocketTrace? trace)
    {
        local = Plain(local);
        var socket = TracedSocket.Create(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new Socks5UdpRelay(socket, Plain(client), declared.Port, dialer, session, trace);
    }

    /// <summary>Relays until <paramref name="until"/> is cancelled (the control connection ended).</summary>
    public async Task RunAsync(CancellationToken until)
    {
        using var link = until.Register(() => _stop.Cancel());
        var fromClient = FromClientAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Dispose();
        await fromClient.ConfigureAwait(false);
    }

    private async Task FromClientAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram);
        EndPoint any = Bound.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _clientSide.ReceiveFromAsync(buffer, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SockException)
            {
                if (_stop.IsCancellationRequested) return;
                continue; // an ICMP error for an earlier datagram: the socket is still good
            }
            var from = (IPEndPoint)r.RemoteEndPoint;
            if (!Plain(from.Address).Equals(_clientAddress) || (_clientPort != 0 && from.Port != _clientPort)) continue;
            if (_client is null) _client = from;
            else if (!_client.Equals(from)) continue; // one client endpoint per association
            try
            {
                await ForwardAsync(buffer.AsMemory(0, r.ReceivedBytes)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SockException or ProxyRefusal or SocketException)
            {
                // One datagram that cannot go is dropped; the association goes on.
            }
        }
    }

    private async Task ForwardAsync(Memory<byte> datagram)
    {
        var d = datagram.Span;
        if (d.Length < 4 || d[2] != 0) return; // too short, or a fragment
        int headerLength;
        ProxyRequest destination;
        switch (d[3])
        {
            case 1 when d.Length >= 10:
                destination = new ProxyRequest(null, new IPAddress(d.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(d[8..]));
                headerLength = 10;
                break;
            case 4 when d.Length >= 22:
                destination = new ProxyRequest(null, new IPAddress(d.Slice(4, 16)), BinaryPrimitives.ReadUInt16BigEndian(d[20..]));
                headerLength = 22;
                break;
            case 3 when d.Length >= 5 && d.Length >= 7 + d[4]:
                var name = Encoding.ASCII.GetString(d.Slice(5, d[4]));
                if (!Socks5ServerHandshake.IsHostName(name)) return;
                destination = new ProxyRequest(name, null, BinaryPrimitives.ReadUInt16BigEndian(d[(5 + d[4])..]));
                headerLength = 7 + d[4];
                break;
            default:
                return;
        }
        if (destination.Port == 0) return;
        IPAddress[] addresses;
        var key = destination.Name;
        lock (_gate) addresses = key is not null && _names.TryGetValue(key, out var known) ? known : [];
        if (addresses.Length == 0)
        {
            addresses = await _dialer.AllowedAddressesAsync(destination, _stop.Token).ConfigureAwait(false);
            if (key is not null) lock (_gate) if (_names.Count < 256) _names[key] = addresses;
        }
        var target = new IPEndPoint(addresses[0], destination.Port);
        if (target.Equals(Bound)) return; // to the relay itself: a loop
        var socket = Outbound(target.AddressFamily);
        lock (_gate) if (_peers.Count < MaxPeers) _peers.Add(new IPEndPoint(Plain(target.Address), target.Port));
        await socket.SendToAsync(datagram[headerLength..], target, _stop.Token).ConfigureAwait(false);
        _session.AddUp(datagram.Length - headerLength);
    }

    private TracedSocket Outbound(AddressFamily family)
    {
        lock (_gate)
        {
            ref var slot = ref family == AddressFamily.InterNetwork ? ref _out4 : ref _out6;
            if (slot is not null) return slot;
            var s = TracedSocket.Create(family, SocketType.Dgram, ProtocolType.Udp, _trace);
            s.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
            slot = s;
            _ = FromDestinationsAsync(s);
            return s;
        }
    }

    private async Task FromDestinationsAsync(TracedSocket socket)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram);
        EndPoint any = socket.Socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                // Room for the largest header in front, so the reply is built in place.
                r = await socket.ReceiveFromAsync(buffer.AsMemory(22, MaxDatagram - 22), any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SockException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            var from = (IPEndPoint)r.RemoteEndPoint;
            var source = new IPEndPoint(Plain(from.Address), from.Port);
            bool known;
            lock (_gate) known = _peers.Contains(source);
            if (!known || _client is not { } client) continue; // only answers from where the client has written
            var six = source.AddressFamily == AddressFamily.InterNetworkV6;
            var header = six ? 22 : 10;
            var start = 22 - header;
            var h = buffer.AsSpan(start, header);
            h[..3].Clear();
            h[3] = (byte)(six ? 4 : 1);
            source.Address.TryWriteBytes(h[4..], out _);
            BinaryPrimitives.WriteUInt16BigEndian(h[(header - 2)..], (ushort)source.Port);
            try
            {
                await _clientSide.SendToAsync(buffer.AsMemory(start, header + r.ReceivedBytes), client, _stop.Token).ConfigureAwait(false);
                _session.AddDown(r.ReceivedBytes);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SockException)
            {
                if (_stop.IsCancellationRequested) return;
            }
        }
    }

    public void Dispose()
    {
        try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        _clientSide.Dispose();
        lock (_gate)
        {
            _out4?.Dispose();
            _out6?.Dispose();
        }
    }

    private static IPAddress Plain(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
