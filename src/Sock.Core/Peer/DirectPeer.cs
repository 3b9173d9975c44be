using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Peer;

/// <summary>How a peer connection came about.</summary>
/// <param name="Socket">The connected socket (TCP, or UDP connected to the peer).</param>
/// <param name="How">"accepted", "connected" (our connect completed: the peer's listener or a simultaneous open), or "checked" (UDP).</param>
/// <param name="Session">The UDP handshake's session id (0 for TCP).</param>
/// <param name="Elapsed">From the start of the attempt to the working connection.</param>
public sealed record PeerConnection(TracedSocket Socket, string How, ulong Session, TimeSpan Elapsed);

/// <summary>
/// `sock peer --bind PORT --peer HOST:PORT`: two equal peers that each listen and connect at once, from the same port,
/// so it does not matter which starts first. TCP: a listening socket and a connecting one share the bound port
/// (SO_REUSEADDR and SO_REUSEPORT); the connect is retried, paced, until the peer is there. Both sides then hold the one
/// connection between the two ports — accepted on one side, connected on the other, or connected on both in a
/// simultaneous open — and the other attempt is dropped. UDP: each side sends HELLO checks, paced, until it hears
/// the peer; a HELLO is answered with HELLO-ACK, and the path works once either arrives.
/// </summary>
public static class DirectPeer
{
    /// <summary>Between connect attempts or UDP checks (paced, not flooded).</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Sets SO_REUSEADDR and SO_REUSEPORT on the connecting socket, as it shares its port with the listener (the two
    /// halves of a simultaneous open): the one place sock asks for SO_REUSEPORT without a --reuseport.
    /// </summary>
    public static void ShareAddress(TracedSocket socket)
    {
        socket.SetReuseAddress();
        if (SocketBinder.ReusePortSupported) socket.SetReusePort();
    }

    /// <summary>Connects to <paramref name="peer"/> from <paramref name="bind"/> over TCP, trying both directions until <paramref name="timeout"/>.</summary>
    public static async Task<PeerConnection> ConnectTcpAsync(IPEndPoint bind, IPEndPoint peer, TimeSpan timeout, SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // The listener shares its port with the connecting socket: SO_REUSEPORT, asked for here. [::] takes IPv4 too, as
        // the kernel's default made it before.
        using var listener = SocketBinder.Open(bind, SocketType.Stream,
            new ListenSettings(DualMode: bind.Address.Equals(IPAddress.IPv6Any), ReusePort: SocketBinder.ReusePortSupported, Backlog: 4), trace);
        var local = (IPEndPoint)listener.Socket.LocalEndPoint!;
        log.On(new PeerListening(EndpointText.Format(local), EndpointText.Format(peer)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(timeout);
        var accept = AcceptFromAsync(listener, peer, log, stop.Token);
        var connect = ConnectLoopAsync(local, peer, trace, log, stop.Token);
        try
        {
            var first = await Task.WhenAny(accept, connect).ConfigureAwait(false);
            TracedSocket won;
            string how;
            if (first.IsCompletedSuccessfully && first.Result is { } s) { won = s; how = first == accept ? "accepted" : "connected"; }
            else
            {
                var other = first == accept ? connect : accept;
                var s2 = await Quiet(other).ConfigureAwait(false);
                if (s2 is null)
                {
                    ct.ThrowIfCancellationRequested();
                    if (first.IsFaulted) await first.ConfigureAwait(false);
                    throw SockException.TimedOut("peer", EndpointText.Format(peer), timeout);
                }
                won = s2;
                how = other == accept ? "accepted" : "connected";
            }
            await stop.CancelAsync().ConfigureAwait(false);
            // The other attempt, if it also completed, is the same connection seen twice only in theory: close whatever it holds.
            var loser = await Quiet(how == "accepted" ? connect : accept).ConfigureAwait(false);
            if (loser is not null && !ReferenceEquals(loser, won)) loser.Dispose();
            return new PeerConnection(won, how, 0, clock.Elapsed);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task<TracedSocket?> Quiet(Task<TracedSocket?> t)
    {
        try { return await t.ConfigureAwait(false); }
        catch (Exception ex) when (ex is OperationCanceledException or SockException) { return null; }
    }

    private static async Task<TracedSocket?> AcceptFromAsync(TracedSocket listener, IPEndPoint peer, INetcatObserver log, CancellationToken ct)
    {
        while (true)
        {
            var s = await listener.AcceptAsync(ct).ConfigureAwait(false);
            var from = (IPEndPoint)s.Socket.RemoteEndPoint!;
            // Only the peer named on the command line is taken (its port may differ behind a NAT, its address not).
            if (Same(from.Address, peer.Address)) return s;
            log.On(new PeerRefused(EndpointText.Format(from), EndpointText.Format(peer)));
            s.Dispose();
        }
    }

    private static async Task<TracedSocket?> ConnectLoopAsync(IPEndPoint local, IPEndPoint peer, SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        while (true)
        {
            var s = TracedSocket.Create(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp, trace);
            try
            {
                ShareAddress(s);
                s.Bind(local);
                await s.ConnectAsync(peer, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
                return s;
            }
            catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.TimedOut or SocketError.HostUnreachable
                                               or SocketError.NetworkUnreachable or SocketError.ConnectionReset)
            {
                s.Dispose();
                log.On(new PeerRetrying(EndpointText.Format(peer), ex.Reason));
            }
            catch (SockException ex) when (ex.SocketError is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable)
            {
                // The one connection between these two ports exists already: the listener has it.
                s.Dispose();
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch
            {
                s.Dispose();
                throw;
            }
            await Task.Delay(Pace, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The UDP path to <paramref name="peer"/> from <paramref name="bind"/>: HELLO every <see cref="Pace"/> until the peer's
    /// HELLO or HELLO-ACK arrives, then one more HELLO-ACK so the peer knows too. The socket comes back connected to the peer.
    /// </summary>
    public static async Task<PeerConnection> ConnectUdpAsync(IPEndPoint bind, IPEndPoint peer, TimeSpan timeout, SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Bound as every sock server binds (no SO_REUSEPORT: a second process cannot share the port and split the datagrams).
        var socket = SocketBinder.Open(bind, SocketType.Dgram, new ListenSettings(DualMode: bind.Address.Equals(IPAddress.IPv6Any)), trace);
        try
        {
            await socket.ConnectAsync(peer, null, ct).ConfigureAwait(false);
            var session = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            await CheckAsync(socket, session, peer, timeout, log, ct).ConfigureAwait(false);
            return new PeerConnection(socket, "checked", session, clock.Elapsed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs the UDP connectivity check on a socket connected to <paramref name="peer"/>; throws when it times out.</summary>
    public static async Task CheckAsync(TracedSocket socket, ulong session, IPEndPoint peer, TimeSpan timeout, INetcatObserver log, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(timeout);
        var hello = PeerPacket.Control(PeerPacketType.Hello, session);
        var buffer = new byte[2048];
        var checks = 0;
        try
        {
            Task<int>? receive = null;
            var nextSend = TimeSpan.Zero;
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (clock.Elapsed >= nextSend)
                {
                    await SendQuietlyAsync(socket, hello, stop.Token).ConfigureAwait(false);
                    checks++;
                    nextSend = clock.Elapsed + Pace;
                }
                receive ??= socket.ReceiveAsync(buffer, stop.Token).AsTask();
                var wait = nextSend - clock.Elapsed;
                if (wait > TimeSpan.Zero && await Task.WhenAny(receive, Task.Delay(wait, stop.Token)).ConfigureAwait(false) != receive) continue;
                if (!receive.IsCompleted) continue;
                int n;
                try { n = await receive.ConfigureAwait(false); }
                catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                {
                    // ICMP port unreachable: the peer is not running yet. Keep checking.
                    continue;
                }
                finally { receive = null; }
                if (!PeerPacket.TryType(buffer.AsSpan(0, n), out var type)) continue;
                if (type is PeerPacketType.Hello or PeerPacketType.HelloAck or PeerPacketType.Data or PeerPacketType.Ack)
                {
                    // Tell the peer its checks arrive too (twice: one may be lost; the stream answers later HELLOs).
                    var answer = PeerPacket.Control(PeerPacketType.HelloAck, session);
                    await SendQuietlyAsync(socket, answer, stop.Token).ConfigureAwait(false);
                    await SendQuietlyAsync(socket, answer, stop.Token).ConfigureAwait(false);
                    log.On(new PeerCheck(checks, type.ToString(), EndpointText.Format(peer)));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SockException(SockErrorKind.Network, "peer", EndpointText.Format(peer),
                $"no answer to {checks} UDP checks in {Durations.Format(timeout)} (is the other side running sock peer, with --peer pointing here?)", SocketError.TimedOut);
        }
    }

    private static async Task SendQuietlyAsync(TracedSocket socket, byte[] packet, CancellationToken ct)
    {
        try { await socket.SendAsync(packet, ct).ConfigureAwait(false); }
        catch (SockException ex) when (ex.SocketError is SocketError.ConnectionRefused or SocketError.ConnectionReset) { }
    }

    private static bool Same(IPAddress a, IPAddress b) =>
        (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b);
}
