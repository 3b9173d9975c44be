using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Scanning;

/// <summary>
/// The UDP probe: a connected UDP socket per (target, port) sends the port's payload and waits. A datagram back means
/// open; an ICMP port unreachable, which a connected UDP socket receives as ECONNREFUSED, means closed; another ICMP
/// unreachable means filtered; silence after every retry means open|filtered. Probes run under a ceiling; the wait
/// is each host's timeout learned from the answers seen.
/// </summary>
internal sealed class UdpProbeScan
{
    /// <summary>The most UDP probes in flight: ICMP errors are rate-limited by most hosts, so UDP runs narrower than TCP.</summary>
    public const int MaxUdpParallel = 256;

    private readonly IReadOnlyList<ScanTarget> _targets;
    private readonly IReadOnlyList<int> _ports;
    private readonly ScanOptions _options;
    private readonly SocketTrace? _trace;
    private readonly RttEstimator[] _rtt;
    private long _done;
    private long _open;
    private long _probes;
    private int _inFlight;
    private int _peak;

    public UdpProbeScan(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, ScanOptions options)
    {
        _targets = targets;
        _ports = ports;
        _options = options;
        _trace = options.Trace;
        var timing = options.Timeout is { } t ? options.Timing with { InitialTimeout = t, MinTimeout = t, MaxTimeout = t } : options.Timing;
        _rtt = [.. targets.Select(_ => new RttEstimator(timing))];
        Ceiling = OpenFileLimit.Allow(Math.Min(options.WantedParallel, MaxUdpParallel));
    }

    public int Ceiling { get; }

    public async Task<ScanReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var total = _targets.Count * _ports.Count;
        var results = new PortResult[total];
        using var gate = new SemaphoreSlim(Ceiling);
        using var progressStop = new CancellationTokenSource();
        var progress = ReportProgressAsync(clock, total, progressStop.Token);
        var tasks = new List<Task>(total);
        for (var p = 0; p < _ports.Count; p++)
        {
            for (var t = 0; t < _targets.Count; t++)
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (_options.Timing.ScanDelay > TimeSpan.Zero)
                    await Task.Delay(_options.Timing.ScanDelay, cancellationToken).ConfigureAwait(false);
                var (ti, pi) = (t, p);
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        results[ti * _ports.Count + pi] = await ProbeAsync(ti, _ports[pi], cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, cancellationToken));
            }
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        clock.Stop();
        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        var unreachable = _targets.Where((t, i) => _ports.Count > 0 && Enumerable.Range(0, _ports.Count)
            .All(p => results[i * _ports.Count + p].Reason is "host-unreach" or "net-unreach")).ToList();
        return new ScanReport
        {
            Protocol = "udp",
            Targets = _targets,
            Failures = [],
            Ports = _ports,
            Results = results,
            Unreachable = unreachable,
            Elapsed = clock.Elapsed,
            Probes = _probes,
            ParallelCeiling = Ceiling,
            PeakInFlight = _peak,
            Timing = _options.Timing.Name,
        };
    }

    private async Task ReportProgressAsync(Stopwatch clock, int total, CancellationToken stop)
    {
        if (_options.Progress is not { } progress) return;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                progress.Report(new ScanProgress(Interlocked.Read(ref _done), total, Interlocked.Read(ref _open), Volatile.Read(ref _inFlight), clock.Elapsed));
        }
        catch (OperationCanceledException)
        {
        }
        progress.Report(new ScanProgress(Interlocked.Read(ref _done), total, Interlocked.Read(ref _open), 0, clock.Elapsed));
    }

    private async Task<PortResult> ProbeAsync(int targetIndex, int port, CancellationToken cancellationToken)
    {
        var target = _targets[targetIndex];
        var endpoint = new IPEndPoint(target.Address, port);
        var payload = UdpPayloads.For(port);
        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _peak, inFlight);
        var buffer = new byte[Math.Max(64, _options.BannerBytes)];
        var attempts = 0;
        try
        {
            using var socket = new Socket(target.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var handle = _trace is null ? 0 : socket.SafeHandle.DangerousGetHandle().ToInt64();
            _trace?.Call($"socket({BsdNames.Family(target.Address.AddressFamily)}, SOCK_DGRAM, IPPROTO_UDP) = {handle}");
            AskForEveryIcmpError(socket);
            try
            {
                // A connected UDP socket is told of ICMP errors for its peer; an unconnected one is not.
                socket.Connect(endpoint);
                _trace?.Call($"connect({handle}, {EndpointText.Format(endpoint)}) = 0");
            }
            catch (SocketException ex)
            {
                _trace?.Call($"connect({handle}, {EndpointText.Format(endpoint)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
                return Verdict(target, port, ex.SocketErrorCode, 1, null) ?? Result(target, port, PortState.Filtered, BsdNames.Errno(ex.SocketErrorCode), 1, null);
            }
            for (attempts = 1; attempts <= _options.Retries + 1; attempts++)
            {
                Interlocked.Increment(ref _probes);
                var timeout = _rtt[targetIndex].Timeout;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await socket.SendAsync(payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    _trace?.Call($"send({handle}, {payload.Length}) = {payload.Length}");
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    cts.CancelAfter(timeout);
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                    var rtt = Stopwatch.GetElapsedTime(started);
                    _trace?.Call($"recv({handle}, {buffer.Length}) = {n}");
                    if (attempts == 1) _rtt[targetIndex].Add(rtt);
                    Interlocked.Increment(ref _open);
                    return Result(target, port, PortState.Open, "udp-response", attempts, rtt) with
                    {
                        Banner = _options.GrabBanners && n > 0 ? buffer[..n] : null,
                    };
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _trace?.Call(string.Create(CultureInfo.InvariantCulture, $"recv({handle}, {buffer.Length}) = no answer in {timeout.TotalMilliseconds:0} ms"));
                }
                catch (SocketException ex)
                {
                    var rtt = Stopwatch.GetElapsedTime(started);
                    _trace?.Call($"recv({handle}, {buffer.Length}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
                    if (attempts == 1 && ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable)
                        _rtt[targetIndex].Add(rtt);
                    if (Verdict(target, port, ex.SocketErrorCode, attempts, rtt) is { } v) return v;
                }
            }
            return Result(target, port, PortState.OpenFiltered, "no-response", attempts - 1, null);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>
    /// Linux tells a connected UDP socket only of "hard" ICMP errors (port and protocol unreachable); IP_RECVERR makes it
    /// report the others too (host, network, administratively prohibited), so those ports read filtered, as nmap has them.
    /// </summary>
    private static void AskForEveryIcmpError(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (socket.AddressFamily == AddressFamily.InterNetworkV6)
                socket.SetRawSocketOption(41, 25, BitConverter.GetBytes(1)); // SOL_IPV6, IPV6_RECVERR
            else
                socket.SetRawSocketOption(0, 11, BitConverter.GetBytes(1));  // SOL_IP, IP_RECVERR
        }
        catch (SocketException)
        {
        }
    }

    private static PortResult? Verdict(ScanTarget target, int port, SocketError error, int attempts, TimeSpan? rtt) => error switch
    {
        SocketError.ConnectionRefused => Result(target, port, PortState.Closed, "port-unreach", attempts, rtt),
        SocketError.HostUnreachable => Result(target, port, PortState.Filtered, "host-unreach", attempts, rtt),
        SocketError.NetworkUnreachable => Result(target, port, PortState.Filtered, "net-unreach", attempts, rtt),
        SocketError.AccessDenied => Result(target, port, PortState.Filtered, "admin-prohibited", attempts, rtt),
        _ => null,
    };

    private static PortResult Result(ScanTarget target, int port, PortState state, string reason, int tries, TimeSpan? rtt) =>
        new(target, port, "udp", state, reason, tries, rtt);

    private static void InterlockedMax(ref int location, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, current) != current)
        {
        }
    }
}
