using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Proxies;

/// <summary>
/// Connecting through a chain of proxies, a step of the client's connect: the first proxy is connected to as any host
/// is (happy eyeballs, -s/-p, -w), then each proxy is asked, over the same socket, to connect to the next one, and the
/// last to the destination. What comes back is the connected socket, positioned just after the last proxy's reply:
/// whatever the destination sent already is still in the socket, for whoever reads it next (the relay, a connection's
/// pipes, a TLS handshake). A 407 that credentials can answer makes the chain again and answers it (ncat's way).
/// </summary>
internal static class ProxyConnector
{
    /// <summary>How many times the chain is made again to answer HTTP challenges (a first 407, then a stale nonce).</summary>
    private const int MaxChallenges = 2;

    public static async Task<TracedSocket> ConnectAsync(NetcatOptions options, SocketTrace? trace, INetcatObserver log, CancellationToken cancellationToken)
    {
        var proxy = options.Proxy!;
        if (options.UnixPath is not null)
            throw SockException.Usage("--proxy", proxy.ToString(), "proxies carry TCP connections, not Unix sockets (-U)");
        if (options.Udp)
            throw SockException.Usage("--proxy", proxy.ToString(), "proxies carry TCP connections, not UDP (-u)");
        if (options.Host is null)
            throw SockException.Usage("connect", "(no host)", "a host to connect to is needed");
        if (proxy.Chain.Count == 0)
            throw SockException.Usage("--proxy", "", "no proxy given");
        var timeout = proxy.HandshakeTimeout ?? options.ConnectTimeout ?? ProxyOptions.DefaultHandshakeTimeout;
        var answers = new HttpAuthChallenge?[proxy.Chain.Count];
        for (var round = 0; ; round++)
        {
            var socket = await ConnectFirstAsync(options, proxy.Chain[0], trace, log, cancellationToken).ConfigureAwait(false);
            var hop = 0;
            try
            {
                for (; hop < proxy.Chain.Count; hop++)
                {
                    var via = proxy.Chain[hop];
                    var (host, port) = hop + 1 < proxy.Chain.Count
                        ? (proxy.Chain[hop + 1].Host, proxy.Chain[hop + 1].Port)
                        : (options.Host, options.Port);
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    limit.CancelAfter(timeout);
                    var conversation = new ProxyConversation(socket, via, trace, limit.Token);
                    try
                    {
                        var destination = await ProxyDestination.ResolveAsync(host, port, via.Type, proxy.Dns, options.Family, limit.Token)
                            .ConfigureAwait(false);
                        await HandshakeAsync(conversation, destination, answers[hop]).ConfigureAwait(false);
                        log.On(new ProxyPassed(via.ToString(), destination.ToString()));
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw SockException.TimedOut($"{ProxySpec.ProtocolName(via.Type)} handshake with proxy", via.Address, timeout);
                    }
                }
                return socket;
            }
            catch (ProxyChallenge challenge) when (round < MaxChallenges)
            {
                socket.Dispose();
                answers[hop] = challenge.Challenge;
            }
            catch (ProxyChallenge)
            {
                socket.Dispose();
                var via = proxy.Chain[hop];
                throw SockException.Said($"{ProxySpec.ProtocolName(via.Type)} proxy {via.Address} kept asking for credentials",
                    "proxy authentication required (407)", SocketError.AccessDenied);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="e"/> is the last proxy speaking of the destination (refused, unreachable, not allowed)
    /// or a handshake that ran out of time — a verdict on the destination, as a scan reads it — rather than a fault of
    /// the proxy itself (unreachable, credentials refused, a malformed reply).
    /// </summary>
    internal static bool IsDestinationAnswer(SockException e) =>
        e.Operation.Contains(" refused the connection to ", StringComparison.Ordinal)
        || (e.SocketError == SocketError.TimedOut && e.Operation.Contains(" handshake with proxy", StringComparison.Ordinal));

    private static Task HandshakeAsync(ProxyConversation conversation, ProxyDestination destination, HttpAuthChallenge? answer) =>
        conversation.Proxy.Type switch
        {
            ProxyType.Socks5 => Socks5Handshake.ConnectAsync(conversation, destination),
            ProxyType.Socks4 or ProxyType.Socks4a => Socks4Handshake.ConnectAsync(conversation, destination),
            _ => HttpConnectHandshake.ConnectAsync(conversation, destination, answer),
        };

    /// <summary>The connection to the first proxy, made as a direct connect is; its failure names the proxy.</summary>
    private static async Task<TracedSocket> ConnectFirstAsync(NetcatOptions options, ProxySpec first, SocketTrace? trace, INetcatObserver log,
        CancellationToken cancellationToken)
    {
        var direct = new NetcatOptions
        {
            Host = first.Host,
            Port = first.Port,
            Family = options.Family,
            NoDns = options.NoDns,
            SourceAddress = options.SourceAddress,
            SourcePort = options.SourcePort,
            ConnectTimeout = options.ConnectTimeout,
        };
        try
        {
            var socket = await Connector.ConnectAsync(direct, trace, log, cancellationToken).ConfigureAwait(false);
            socket.Socket.NoDelay = true;
            return socket;
        }
        catch (SockException e) when (e.Kind == SockErrorKind.Network && e.Target is not null)
        {
            throw new SockException(e.Kind, $"{e.Operation} {ProxySpec.ProtocolName(first.Type)} proxy", e.Target, e.Reason, e.SocketError, e);
        }
    }
}
