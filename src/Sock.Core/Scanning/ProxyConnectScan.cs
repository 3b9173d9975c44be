using System.Diagnostics;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Proxies;

namespace Sock.Core.Scanning;

/// <summary>
/// A connect scan through proxies (<see cref="ScanOptions.Proxy"/>), as nmap's --proxies: each port is a full connect
/// through the chain, and the last proxy's answer is the verdict — connected: open; "connection refused": closed; not
/// allowed, unreachable, TTL expired or no answer in time: filtered. A proxy that cannot be reached, or refuses the
/// credentials, stops the scan with that error: every port would get the same non-answer.
/// </summary>
internal sealed class ProxyConnectScan(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, ScanOptions options, bool listClosed)
{
    /// <summary>Probes in flight when --max-parallel does not say: a proxy is one server, not the network.</summary>
    public const int DefaultParallel = 8;

    /// <summary>The handshake timeout when --timeout does not say (ncat's connect timeout).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly VerdictBook _book = new(targets, ports, options.GrabBanners, listClosed);
    private long _next = -1;
    private long _probes;
    private SockException? _fault;

    public async Task<ScanReport> RunAsync(CancellationToken cancellationToken)
    {
        var parallel = (int)Math.Clamp(Math.Min(options.MaxParallel ?? DefaultParallel, _book.Total), 1, 64);
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => WorkAsync(stop))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (_fault is not null) throw _fault;
        return _book.Report(clock.Elapsed, _probes, parallel, parallel, options.Timing.Name);
    }

    private async Task WorkAsync(CancellationTokenSource stop)
    {
        long job;
        while (!stop.IsCancellationRequested && (job = Interlocked.Increment(ref _next)) < _book.Total)
        {
            Interlocked.Increment(ref _probes);
            var (target, port) = _book.Locate(job);
            try
            {
                await ProbeAsync(job, targets[target], port, stop.Token).ConfigureAwait(false);
            }
            catch (SockException e)
            {
                Interlocked.CompareExchange(ref _fault, e, null);
                await stop.CancelAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ProbeAsync(long job, ScanTarget target, int port, CancellationToken ct)
    {
        var timeout = options.Timeout ?? DefaultTimeout;
        var connect = new NetcatOptions
        {
            Host = target.Address.ToString(),
            Port = port,
            ConnectTimeout = timeout,
            Proxy = new ProxyOptions { Chain = options.Proxy!.Chain, Dns = ProxyDns.None, HandshakeTimeout = timeout },
        };
        var started = Stopwatch.GetTimestamp();
        TracedSocketHolder socket;
        try
        {
            socket = new(await ProxyConnector.ConnectAsync(connect, options.Trace, SilentNetcatObserver.Instance, ct).ConfigureAwait(false));
        }
        catch (SockException e) when (ProxyConnector.IsDestinationAnswer(e))
        {
            var (verdict, reason) = e.SocketError == SocketError.ConnectionRefused ? (VerdictBook.Closed, "proxy-refused")
                : VerdictBook.Classify(e.SocketError ?? SocketError.SocketError, timedOut: e.SocketError == SocketError.TimedOut);
            if (verdict == VerdictBook.Pending) (verdict, reason) = (VerdictBook.Closed, "proxy-refused");
            _book.Record(job, verdict, reason, 1, null);
            return;
        }
        using (socket)
        {
            _book.Record(job, VerdictBook.Open, "proxy-connect", 1, Stopwatch.GetElapsedTime(started));
            if (!options.GrabBanners) return;
            var buffer = new byte[Math.Max(1, options.BannerBytes)];
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(options.BannerTimeout);
            try
            {
                var n = await socket.Socket.ReceiveAsync(buffer, wait.Token).ConfigureAwait(false);
                if (n > 0) _book.SetBanner(job, buffer[..n]);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            catch (SockException) { }
        }
    }

    private readonly struct TracedSocketHolder(Sockets.TracedSocket socket) : IDisposable
    {
        public Sockets.TracedSocket Socket { get; } = socket;

        public void Dispose() => Socket.Dispose();
    }
}
