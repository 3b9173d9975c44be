using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Stun;

/// <summary>
/// STUN Binding transactions (RFC 8489 §6): over UDP with the RFC's retransmissions, matched by transaction id, on a
/// socket that may carry other traffic; over TCP one request on a connected socket, framed by the header's length.
/// </summary>
public static class StunClient
{
    /// <summary>RFC 8489's Ti: how long a TCP transaction may take.</summary>
    public static readonly TimeSpan TcpTimeout = TimeSpan.FromSeconds(39.5);

    /// <summary>
    /// Sends <paramref name="request"/> from the UDP <paramref name="socket"/> to <paramref name="server"/> on
    /// <paramref name="schedule"/> and returns the matching response with the address it came from, or null when none
    /// came in time (or within <paramref name="limit"/>, when that is sooner). Datagrams that are not STUN or not this
    /// transaction's are skipped. The result counts the sends.
    /// </summary>
    public static async Task<(StunMessage Response, IPEndPoint From, TimeSpan Rtt, int Attempts)?> TransactUdpAsync(TracedSocket socket,
        IPEndPoint server, StunMessage request, StunRetransmission schedule, TimeSpan? limit, CancellationToken ct)
    {
        var bytes = request.Encode();
        var sendTimes = schedule.SendTimes;
        var giveUp = schedule.GiveUpAfter;
        if (limit is { } l && l < giveUp) giveUp = l;
        var clock = Stopwatch.StartNew();
        var buffer = ArrayPool<byte>.Shared.Rent(2048);
        var any = server.AddressFamily == AddressFamily.InterNetworkV6 ? (EndPoint)new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var attempts = 0;
        var lastSend = TimeSpan.Zero;
        Task<SocketReceiveFromResult>? receive = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (true)
            {
                var now = clock.Elapsed;
                if (now >= giveUp) return null;
                if (attempts < sendTimes.Count && now >= sendTimes[attempts])
                {
                    await SendAsync(socket, bytes, server, ct).ConfigureAwait(false);
                    socket.Trace?.Call($"stun: Binding request {Hex(request.TransactionId)} to {EndpointText.Format(server)} (try {attempts + 1} of {sendTimes.Count})");
                    lastSend = clock.Elapsed;
                    attempts++;
                    continue;
                }
                var next = attempts < sendTimes.Count ? sendTimes[attempts] : giveUp;
                if (next > giveUp) next = giveUp;
                receive ??= socket.ReceiveFromAsync(buffer, any, stop.Token).AsTask();
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero && await Task.WhenAny(receive, Task.Delay(wait, ct)).ConfigureAwait(false) != receive)
                {
                    ct.ThrowIfCancellationRequested();
                    continue;
                }
                if (!receive.IsCompleted) continue;
                SocketReceiveFromResult r;
                try { r = await receive.ConfigureAwait(false); }
                catch (SockException ex) when (ex.SocketError is SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                    // An ICMP port unreachable from an earlier send: nothing listens there.
                    throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server),
                        "port unreachable (no STUN server there)", SocketError.ConnectionRefused, ex);
                }
                finally { receive = null; }
                if (!StunMessage.TryDecode(buffer.AsSpan(0, r.ReceivedBytes), out var response, out _)) continue;
                if (response!.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)) continue;
                if (!response.TransactionId.AsSpan().SequenceEqual(request.TransactionId)) continue;
                socket.Trace?.Call($"stun: Binding {(response.Class == StunClass.SuccessResponse ? "success" : "error")} response {Hex(response.TransactionId)} from {EndpointText.Format(r.RemoteEndPoint)}"
                                   + (response.Mapped is { } m ? $", mapped {EndpointText.Format(m)}" : ""));
                return (response, (IPEndPoint)r.RemoteEndPoint, clock.Elapsed - lastSend, attempts);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (receive is not null)
            {
                try { await receive.ConfigureAwait(false); }
                catch (Exception ex) when (ex is OperationCanceledException or SockException) { }
            }
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task SendAsync(TracedSocket socket, byte[] bytes, IPEndPoint server, CancellationToken ct)
    {
        try { await socket.SendToAsync(bytes, server, ct).ConfigureAwait(false); }
        catch (SockException ex) when (ex.SocketError is SocketError.ConnectionReset or SocketError.ConnectionRefused)
        {
            throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server),
                "port unreachable (no STUN server there)", SocketError.ConnectionRefused, ex);
        }
    }

    /// <summary>
    /// One Binding with the STUN server <paramref name="host"/> (a name or an address) on <paramref name="port"/>, from a
    /// socket of its own bound as <paramref name="options"/> say: the local address it left from and the mapped address
    /// the server saw. A server that never answers, answers with an error, or cannot be reached is a network
    /// <see cref="SockException"/> naming it.
    /// </summary>
    public static async Task<StunBinding> BindAsync(string host, int port, StunClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        options ??= new StunClientOptions();
        var family = options.Family == AddressFamily.Unspecified && options.SourceAddress is { } source ? source.AddressFamily : options.Family;
        var addresses = await NameResolver.ResolveAsync(host, family, false, cancellationToken).ConfigureAwait(false);
        var remote = new IPEndPoint(addresses[0], port);
        var local = new IPEndPoint(options.SourceAddress ?? (remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), options.SourcePort);
        if (options.Tcp)
        {
            using var socket = TracedSocket.Create(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp, options.Trace);
            // SO_REUSEADDR alone (a port in TIME_WAIT can be taken again): .NET's ReuseAddress would add SO_REUSEPORT on Linux.
            if (options.SourcePort != 0) socket.SetReuseAddress();
            if (options.SourceAddress is not null || options.SourcePort != 0) socket.Bind(local);
            await socket.ConnectAsync(remote, options.Limit ?? TcpTimeout, cancellationToken).ConfigureAwait(false);
            return await BindTcpAsync(socket, options.Limit, cancellationToken).ConfigureAwait(false);
        }
        using (var socket = TracedSocket.Create(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp, options.Trace))
        {
            socket.Bind(local);
            return await BindUdpAsync(socket, remote, options.Retransmission, options.Limit, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One Binding over UDP from <paramref name="socket"/> (bound): the mapped address, or a network error naming the
    /// server when it never answered or answered with an error.
    /// </summary>
    public static async Task<StunBinding> BindUdpAsync(TracedSocket socket, IPEndPoint server, StunRetransmission schedule, TimeSpan? limit, CancellationToken ct)
    {
        var request = StunMessage.BindingRequest();
        var answer = await TransactUdpAsync(socket, server, request, schedule, limit, ct).ConfigureAwait(false)
            ?? throw SockException.TimedOut("stun binding to", EndpointText.Format(server),
                limit is { } l && l < schedule.GiveUpAfter ? l : schedule.GiveUpAfter);
        return Result("udp", LocalToward(socket, server), server, answer.Response, answer.From, answer.Rtt, answer.Attempts);
    }

    /// <summary>One Binding over the connected TCP <paramref name="socket"/> (RFC 8489 §6.2.2: one send, no retransmission).</summary>
    public static async Task<StunBinding> BindTcpAsync(TracedSocket socket, TimeSpan? limit, CancellationToken ct)
    {
        var server = (IPEndPoint)socket.Socket.RemoteEndPoint!;
        var request = StunMessage.BindingRequest();
        var timeout = limit is { } l && l < TcpTimeout ? l : TcpTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            await socket.SendAsync(request.Encode(), cts.Token).ConfigureAwait(false);
            socket.Trace?.Call($"stun: Binding request {Hex(request.TransactionId)} to {EndpointText.Format(server)} over TCP");
            while (true)
            {
                var response = await ReadFramedAsync(socket, server, cts.Token).ConfigureAwait(false);
                if (response.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)
                    || !response.TransactionId.AsSpan().SequenceEqual(request.TransactionId)) continue;
                return Result("tcp", (IPEndPoint)socket.LocalEndPoint!, server, response, server, clock.Elapsed, 1);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw SockException.TimedOut("stun binding to", EndpointText.Format(server), timeout);
        }
    }

    /// <summary>Reads one whole STUN message from a stream socket; a peer that sends something else or closes is an error.</summary>
    public static async Task<StunMessage> ReadFramedAsync(TracedSocket socket, IPEndPoint server, CancellationToken ct)
    {
        var header = new byte[StunMessage.HeaderLength];
        await ReadExactlyAsync(socket, header, server, ct).ConfigureAwait(false);
        var length = StunMessage.FramedLength(header)
            ?? throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server), "the server's answer is not STUN");
        var message = new byte[length];
        header.CopyTo(message, 0);
        await ReadExactlyAsync(socket, message.AsMemory(StunMessage.HeaderLength), server, ct).ConfigureAwait(false);
        if (!StunMessage.TryDecode(message, out var decoded, out var error))
            throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server), $"malformed STUN answer: {error}");
        return decoded!;
    }

    private static async Task ReadExactlyAsync(TracedSocket socket, Memory<byte> buffer, IPEndPoint server, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server), "the server closed the connection before answering");
            buffer = buffer[n..];
        }
    }

    private static StunBinding Result(string transport, IPEndPoint local, IPEndPoint server, StunMessage response, IPEndPoint from, TimeSpan rtt, int attempts)
    {
        if (response.Class == StunClass.ErrorResponse)
            throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server),
                $"the server answered {response.ErrorCode} {response.ErrorReason}".TrimEnd());
        var mapped = response.Mapped
            ?? throw new SockException(SockErrorKind.Network, "stun binding to", EndpointText.Format(server), "the server's answer has no mapped address");
        return new StunBinding(transport, local, server, mapped, response.ResponseOrigin ?? from, response.OtherAddress, response.Software, rtt, attempts, response.HasFingerprint);
    }

    /// <summary>
    /// The socket's local address as the server sees it leave: a socket bound to the wildcard address is given the
    /// source address the routing table picks toward <paramref name="server"/> (a UDP connect() sends nothing).
    /// </summary>
    public static IPEndPoint LocalToward(TracedSocket socket, IPEndPoint server)
    {
        var local = (IPEndPoint)socket.Socket.LocalEndPoint!;
        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any)) return local;
        using var probe = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(server);
            return new IPEndPoint(((IPEndPoint)probe.LocalEndPoint!).Address, local.Port);
        }
        catch (SocketException)
        {
            return local;
        }
    }

    internal static string Hex(byte[] id) => Convert.ToHexStringLower(id);
}
