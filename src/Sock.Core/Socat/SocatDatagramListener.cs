using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Socat;

/// <summary>
/// socat's UDP-LISTEN and UDP-RECVFROM. Without fork: the first datagram (from a peer in range=) decides the peer;
/// UDP-LISTEN then connects the socket to it and goes on as UDP: would, UDP-RECVFROM hands over that one datagram (then
/// the end of input) and sends answers back to its sender. With fork, on one socket in this one process: UDP-LISTEN
/// keeps a session per peer address (its datagrams routed to it, its answers sent from the listening socket), and
/// UDP-RECVFROM makes a session of every datagram, as socat forks a child for each.
/// </summary>
internal static class SocatDatagramListener
{
    /// <summary>How many datagrams may wait for one peer's session before more are dropped (UDP would drop them too).</summary>
    public const int SessionQueue = 256;

    public static async Task RunAsync(SocatListenOptions o, Func<SocatEnd, CancellationToken, Task> serve, SocketTrace? trace,
        ISocatObserver? observer, Action<EndPoint>? listening, CancellationToken ct)
    {
        var access = await AccessList.CreateAsync(o.Range, [], noDns: true, ct).ConfigureAwait(false);
        var socket = SocketBinder.Open(o.Local, SocketType.Dgram, new ListenSettings(DualMode: o.DualMode), trace);
        var owned = true;
        try
        {
            o.Tuning.Apply(socket);
            var bound = socket.LocalEndPoint ?? o.Local;
            observer?.Notice($"listening on {EndpointText.Format(bound)}");
            listening?.Invoke(bound);
            var any = bound.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            var buffer = new byte[65536];
            if (!o.Fork)
            {
                while (true)
                {
                    var r = await socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
                    if (!Admitted(r.RemoteEndPoint, access, observer)) continue;
                    var first = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                    observer?.Notice($"receiving from {EndpointText.Format(r.RemoteEndPoint)}");
                    SocatEnd end;
                    if (o.ReceiveFrom)
                        end = new DatagramPeerEnd(socket, r.RemoteEndPoint, $"{o.Name} {EndpointText.Format(r.RemoteEndPoint)}", ownsSocket: true, first, oneDatagram: true) { Crlf = o.Crlf };
                    else
                    {
                        await socket.ConnectAsync(r.RemoteEndPoint, cancellationToken: ct).ConfigureAwait(false);
                        end = new DatagramPeerEnd(socket, r.RemoteEndPoint, $"{o.Name} {EndpointText.Format(r.RemoteEndPoint)}", ownsSocket: true, first, connected: true) { Crlf = o.Crlf };
                    }
                    owned = false;
                    await using (end) await serve(end, ct).ConfigureAwait(false);
                    return;
                }
            }
            await ForkAsync(socket, o, access, any, buffer, serve, observer, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            if (owned) socket.Dispose();
        }
    }

    private static async Task ForkAsync(TracedSocket socket, SocatListenOptions o, AccessList access, EndPoint any, byte[] buffer,
        Func<SocatEnd, CancellationToken, Task> serve, ISocatObserver? observer, CancellationToken ct)
    {
        var sessions = new ConcurrentDictionary<EndPoint, Channel<byte[]>>();
        using var slots = o.MaxChildren > 0 ? new SemaphoreSlim(o.MaxChildren) : null;
        var running = new ConcurrentDictionary<Task, byte>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var r = await socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false);
                if (!Admitted(r.RemoteEndPoint, access, observer)) continue;
                var datagram = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                var peer = r.RemoteEndPoint;
                if (!o.ReceiveFrom && sessions.TryGetValue(peer, out var existing))
                {
                    existing.Writer.TryWrite(datagram);
                    continue;
                }
                // As socat's parent, wait for a free child slot before taking on the next peer.
                if (slots is not null) await slots.WaitAsync(ct).ConfigureAwait(false);
                Channel<byte[]>? inbox = null;
                if (!o.ReceiveFrom)
                {
                    inbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(SessionQueue) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
                    sessions[peer] = inbox;
                }
                observer?.Notice($"receiving from {EndpointText.Format(peer)}");
                var end = new DatagramPeerEnd(socket, peer, $"{o.Name} {EndpointText.Format(peer)}", ownsSocket: false, datagram,
                    oneDatagram: o.ReceiveFrom, inbox: inbox?.Reader) { Crlf = o.Crlf };
                var session = Task.Run(async () =>
                {
                    try
                    {
                        await using (end) await serve(end, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
                    catch (SockException ex) { observer?.Failed(ex); }
                    catch (IOException ex) { observer?.Failed(new SockException(SockErrorKind.Network, "transfer", EndpointText.Format(peer), FileErrorText.Describe(ex))); }
                    finally
                    {
                        if (inbox is not null)
                        {
                            sessions.TryRemove(new KeyValuePair<EndPoint, Channel<byte[]>>(peer, inbox));
                            inbox.Writer.TryComplete();
                        }
                        slots?.Release();
                    }
                }, CancellationToken.None);
                running[session] = 0;
                _ = session.ContinueWith(t => running.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        finally
        {
            // Sessions end with the run (their relays see the same token): wait for them before the socket closes.
            await Task.WhenAll(running.Keys).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static bool Admitted(EndPoint peer, AccessList access, ISocatObserver? observer)
    {
        if (access.Empty || peer is not IPEndPoint ip || access.Admits(ip.Address)) return true;
        observer?.Notice($"refusing datagram from {EndpointText.Format(peer)} due to range option");
        return false;
    }
}
