using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// The client side: socket → (bind -s/-p) → connect, for TCP, UDP and Unix sockets, and through proxies (<see cref="NetcatOptions.Proxy"/>). A name with several addresses is
/// tried address by address (IPv6 and IPv4 interleaved, as happy eyeballs orders them); the error names the last failure.
/// </summary>
internal static class Connector
{
    /// <summary>Connects as <paramref name="options"/> say; the socket is connected (UDP: its default peer is set).</summary>
    public static async Task<TracedSocket> ConnectAsync(NetcatOptions options, SocketTrace? trace, INetcatObserver log, CancellationToken cancellationToken)
    {
        // Through proxies, the first proxy is connected to by this same path, then the chain's handshakes run on the socket.
        if (options.Proxy is not null)
            return await Proxies.ProxyConnector.ConnectAsync(options, trace, log, cancellationToken).ConfigureAwait(false);
        var type = options.Udp ? SocketType.Dgram : SocketType.Stream;
        if (options.UnixPath is not null)
            return await ConnectUnixAsync(options, type, trace, cancellationToken).ConfigureAwait(false);
        if (options.Host is null)
            throw SockException.Usage("connect", "(no host)", "a host to connect to is needed");
        var addresses = Interleave(await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, cancellationToken).ConfigureAwait(false));
        IPAddress? source = options.SourceAddress is null ? null
            : (await NameResolver.ResolveAsync(options.SourceAddress, options.Family, options.NoDns, cancellationToken).ConfigureAwait(false))[0];
        var candidates = addresses.Where(a => source is null || source.AddressFamily == a.AddressFamily).ToList();
        if (candidates.Count == 0)
            throw SockException.Usage("source address", options.SourceAddress ?? "", $"is of another family than every address of {options.Host}");
        return await ConnectToAnyAsync(candidates, options, source, trace, log, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects to the first of <paramref name="candidates"/> that answers (raced, or in turn with -p or UDP).</summary>
    internal static async Task<TracedSocket> ConnectToAnyAsync(List<IPAddress> candidates, NetcatOptions options, IPAddress? source,
        SocketTrace? trace, INetcatObserver log, CancellationToken cancellationToken)
    {
        var type = options.Udp ? SocketType.Dgram : SocketType.Stream;
        // Racing needs a fresh source port per attempt; with -p (or UDP, where connect() always succeeds) go in turn.
        if (candidates.Count > 1 && options.SourcePort is null && !options.Udp)
            return await RaceAsync(candidates, options, source, trace, log, cancellationToken).ConfigureAwait(false);
        SockException? last = null;
        foreach (var address in candidates)
        {
            try
            {
                return await AttemptAsync(address, options, source, type, trace, cancellationToken).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
            {
                last = ex;
                log.On(new ConnectAttemptFailed(EndpointText.Format(address, options.Port), ex.Reason));
            }
        }
        throw last!;
    }

    /// <summary>The delay before the next address is tried while earlier attempts are still pending (RFC 8305).</summary>
    public static readonly TimeSpan AttemptDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Happy eyeballs: start the first address; every <see cref="AttemptDelay"/> (or at once when all pending attempts
    /// failed) start the next; the first to connect wins and the others are cancelled and closed.
    /// </summary>
    private static async Task<TracedSocket> RaceAsync(List<IPAddress> candidates, NetcatOptions options, IPAddress? source,
        SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = new List<(Task<TracedSocket> Task, IPAddress Address)>();
        SockException? last = null;
        var next = 0;
        try
        {
            while (true)
            {
                if (next < candidates.Count)
                {
                    var a = candidates[next++];
                    pending.Add((AttemptAsync(a, options, source, SocketType.Stream, trace, cts.Token), a));
                }
                if (pending.Count == 0) throw last!;
                var waits = pending.Select(p => (Task)p.Task).ToList();
                Task? delay = null;
                if (next < candidates.Count)
                {
                    delay = Task.Delay(AttemptDelay, cts.Token);
                    waits.Add(delay);
                }
                var done = await Task.WhenAny(waits).ConfigureAwait(false);
                if (done == delay) continue;
                var finished = pending.First(p => p.Task == done);
                pending.Remove(finished);
                try
                {
                    var socket = await finished.Task.ConfigureAwait(false);
                    if (last is not null) log.On(new AnsweredAfterFailure(EndpointText.Format(finished.Address, options.Port)));
                    return socket;
                }
                catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
                {
                    last = ex;
                    log.On(new ConnectAttemptFailed(EndpointText.Format(finished.Address, options.Port), ex.Reason));
                    if (pending.Count == 0 && next >= candidates.Count) throw;
                }
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            foreach (var (task, _) in pending)
            {
                try { (await task.ConfigureAwait(false)).Dispose(); }
                catch (SockException) { }
                catch (OperationCanceledException) { }
            }
        }
    }

    private static async Task<TracedSocket> AttemptAsync(IPAddress address, NetcatOptions options, IPAddress? source, SocketType type,
        SocketTrace? trace, CancellationToken ct)
    {
        var remote = new IPEndPoint(address, options.Port);
        var socket = TracedSocket.CreateFor(remote, type, trace);
        try
        {
            if (source is not null || options.SourcePort is not null)
            {
                if (options.SourcePort is not null) socket.SetReuseAddress();
                socket.Bind(new IPEndPoint(source ?? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any),
                    options.SourcePort ?? 0));
            }
            if (type == SocketType.Stream) socket.Socket.NoDelay = true;
            await socket.ConnectAsync(remote, options.ConnectTimeout, ct).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>How long a stream connect waits for room in a Unix listener's full accept queue when no timeout is given.</summary>
    private static readonly TimeSpan FullQueueWait = TimeSpan.FromSeconds(10);

    private static async Task<TracedSocket> ConnectUnixAsync(NetcatOptions options, SocketType type, SocketTrace? trace, CancellationToken ct)
    {
        // A blocking connect to a Unix listener whose accept queue is full waits for room; a non-blocking one (every
        // connect here) gets EAGAIN at once. So it is tried again, backing off from 1 ms to 50 ms, within the connect
        // timeout (10 s without one) — a forwarder's burst of clients must not be refused for a listener a moment behind.
        var limit = options.ConnectTimeout ?? FullQueueWait;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            try
            {
                return await ConnectUnixOnceAsync(options, type, trace, ct).ConfigureAwait(false);
            }
            catch (SockException ex) when (type == SocketType.Stream && ex.SocketError == SocketError.WouldBlock
                && System.Diagnostics.Stopwatch.GetElapsedTime(started) + delay < limit)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
            }
        }
    }

    private static async Task<TracedSocket> ConnectUnixOnceAsync(NetcatOptions options, SocketType type, SocketTrace? trace, CancellationToken ct)
    {
        var remote = EndpointText.UnixEndPoint(options.UnixPath!);
        var socket = TracedSocket.CreateFor(remote, type, trace);
        try
        {
            if (options.SourceAddress is { } source)
            {
                // -s PATH: the client's own address, as ncat binds it (a stale socket file there is replaced, any other
                // file refused); the file is sock's, so it goes at exit.
                UnixSocketFile.PrepareForBind(source);
                socket.Bind(new UnixDomainSocketEndPoint(source));
                UnixSocketFile.RemoveOnExit(source);
            }
            else if (type == SocketType.Dgram)
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
