using Sock.Core.Endpoints;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Scanning;
using Sock.Core.Tracing;

namespace Sock.Core.Netcat;

/// <summary>`sock connect`: connect, then relay stdin/stdout (or a program's), or with -z only report.</summary>
internal static class NetcatClient
{
    /// <summary>
    /// Connects and relays until done. Returns null with -z (connected and closed at once); connection failures are
    /// thrown as <see cref="SockException"/>s.
    /// </summary>
    public static async Task<RelayResult?> RunAsync(NetcatOptions options, Stream? input, Stream? output, SocketTrace? trace, INetcatObserver log,
        CancellationToken ct, Action<Relay>? onStreamRelay = null)
    {
        if (options.RunsProgram) ExecRunner.StartInfo(options);
        if (options.ZeroIo && options.Udp && options.UnixPath is null)
            return await ProbeUdpAsync(options, trace, log, ct).ConfigureAwait(false);
        // -z over TCP is the one-port case of sock scan: the same scanner answers both. A source address or port
        // (-s/-p) and Unix sockets are the connector's business.
        if (options.ZeroIo && options.UnixPath is null && options.SourceAddress is null && options.SourcePort is null && options.Proxy is null)
            return await ProbeTcpAsync(options, trace, log, ct).ConfigureAwait(false);
        using var recorder = options.ZeroIo ? null : SessionRecorder.For(options, log);
        using var socket = await Connector.ConnectAsync(options, trace, log, ct).ConfigureAwait(false);
        var local = EndpointText.Format(socket.Socket.LocalEndPoint);
        var remote = EndpointText.Format(socket.Socket.RemoteEndPoint);
        // Through a proxy the socket's peer is the first proxy: the line names the destination and the chain.
        if (options.Proxy is { } proxy) remote = $"{(options.Host!.Contains(':') ? $"[{EndpointText.Unbracket(options.Host)}]" : options.Host)}:{options.Port} through {proxy}";
        log.On(options.UnixPath is not null ? new Connected(options.UnixPath, null) : new Connected(remote, local));
        if (options.ZeroIo) return null;
        await using var tls = options.Tls is { } t && !options.Udp
            ? await NetcatTls.ConnectAsync(socket, options, t, log, ct).ConfigureAwait(false)
            : null;
        RelayResult result;
        if (options.RunsProgram)
            result = await ExecRunner.RunAsync(socket, options, recorder, ReadOnlyMemory<byte>.Empty, ct, tls).ConfigureAwait(false);
        else if (options.Udp)
            result = await new Relay(socket, options.IgnoresStdin ? null : input, options.SendOnly ? null : output, options, recorder)
                .RunAsync(ct).ConfigureAwait(false);
        else
        {
            var relay = new Relay(socket, options.IgnoresStdin ? null : input, options.SendOnly ? null : output, options, recorder, tls);
            onStreamRelay?.Invoke(relay);
            result = await relay.RunAsync(ct).ConfigureAwait(false);
        }
        log.On(new SessionEnded(result.BytesSent, result.BytesReceived, result.End));
        return result;
    }

    private static async Task<RelayResult?> ProbeTcpAsync(NetcatOptions options, SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        if (options.Host is null)
            throw SockException.Usage("connect", "(no host)", "a host to connect to is needed");
        var addresses = Connector.Interleave(await NameResolver.ResolveAsync(options.Host, options.Family, options.NoDns, ct).ConfigureAwait(false));
        var name = EndpointText.LooksLikeAddress(EndpointText.Unbracket(options.Host)) ? null : options.Host;
        var targets = addresses.Select(a => new ScanTarget(options.Host, a, name)).ToList();
        // One try per address, as a connect would make, and ncat's 10 s when -w does not say.
        var scan = new ScanOptions { Timeout = options.ConnectTimeout ?? TimeSpan.FromSeconds(10), MaxRetries = 0, Trace = trace, ListClosed = true };
        var report = await PortScanner.ScanTcpAsync(targets, [options.Port], scan, ct).ConfigureAwait(false);
        // Answers in the order a connect would try the addresses; the error names the last failure.
        var results = targets.Select(t => report.Results.First(r => r.Target == t)).ToList();
        if (results.FirstOrDefault(r => r.State == PortState.Open) is { } open)
        {
            log.On(new Connected(EndpointText.Format(open.Target.Address, open.Port), null));
            return null;
        }
        var last = results[^1];
        var endpoint = EndpointText.Format(last.Target.Address, last.Port);
        throw last.Reason switch
        {
            "conn-refused" => Refused(endpoint, SocketError.ConnectionRefused),
            "host-unreach" => Refused(endpoint, SocketError.HostUnreachable),
            "net-unreach" => Refused(endpoint, SocketError.NetworkUnreachable),
            "admin-prohibited" => new SockException(SockErrorKind.Network, "connect to", endpoint,
                "administratively prohibited (a firewall rejected it)", SocketError.AccessDenied),
            _ => SockException.TimedOut("connect to", endpoint, scan.Timeout!.Value),
        };
    }

    private static SockException Refused(string endpoint, SocketError error) =>
        new(SockErrorKind.Network, "connect to", endpoint, SocketErrorText.Describe(error), error);

    private static async Task<RelayResult?> ProbeUdpAsync(NetcatOptions options, SocketTrace? trace, INetcatObserver log, CancellationToken ct)
    {
        // UDP has no handshake: send a datagram and wait a moment for an ICMP "port unreachable". One NUL byte, as
        // ncat sends, not an empty datagram: some services drop empty ones unanswered.
        using var socket = await Connector.ConnectAsync(options, trace, log, ct).ConfigureAwait(false);
        await socket.SendAsync(ZeroIoProbe, ct).ConfigureAwait(false);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(options.ConnectTimeout ?? TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ReceiveAsync(new byte[1], wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        log.On(new UdpProbeUnanswered(options.Port, EndpointText.Format(socket.Socket.RemoteEndPoint)));
        return null;
    }

    private static readonly ReadOnlyMemory<byte> ZeroIoProbe = new byte[] { 0 };
}
