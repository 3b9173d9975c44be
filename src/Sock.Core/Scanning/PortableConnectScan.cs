using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Scanning;

/// <summary>
/// The TCP connect scan: a non-blocking connect per (target, port), as many in flight as the congestion window allows.
/// A connect that succeeds is open, one refused is closed, one that meets an ICMP unreachable is filtered, and one
/// with no answer by its host's learned timeout is tried again, then called filtered. A sweep every few milliseconds
/// closes the sockets whose time ran out. Verdicts are kept in flat arrays; records are made once, at the end.
/// </summary>
internal sealed class PortableConnectScan
{
    private const byte Pending = VerdictBook.Pending, Open = VerdictBook.Open, Filtered = VerdictBook.Filtered;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyList<ScanTarget> _targets;
    private readonly IReadOnlyList<int> _ports;
    private readonly ScanOptions _options;
    private readonly SocketTrace? _trace;
    private readonly int _retries;
    private readonly RttEstimator[] _rtt;
    private readonly CongestionWindow _window;
    private readonly Lock _gate = new();
    private readonly Stack<ConnectProbe> _free = new();
    private readonly List<ConnectProbe> _all = [];
    private readonly Queue<(int Job, int Try)> _again = new();
    private readonly VerdictBook _book;
    private readonly List<Task> _bannerReads = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = new();
    private long _next;
    private long _probes;
    private int _inFlight;
    private int _peak;
    private long _lastLaunch;
    private Exception? _fault;

    public PortableConnectScan(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, ScanOptions options, bool listClosed)
    {
        _targets = targets;
        _ports = ports;
        _options = options;
        _trace = options.Trace;
        _retries = options.Retries;
        var timing = options.Timeout is { } fixedTimeout
            ? options.Timing with { InitialTimeout = fixedTimeout, MinTimeout = fixedTimeout, MaxTimeout = fixedTimeout }
            : options.Timing;
        _rtt = [.. targets.Select(_ => new RttEstimator(timing))];
        Ceiling = OpenFileLimit.Allow(options.WantedParallel);
        _window = new CongestionWindow(Math.Min(options.Timing.InitialParallel, Ceiling), Ceiling);
        _book = new VerdictBook(targets, ports, options.GrabBanners, listClosed);
    }

    /// <summary>The ceiling after the open-file limit.</summary>
    public int Ceiling { get; }

    private long Total => _book.Total;

    public async Task<ScanReport> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        if (Total == 0) _finished.TrySetResult();
        using var registration = cancellationToken.Register(() => _finished.TrySetCanceled(cancellationToken));
        var sweep = SweepAsync(cancellationToken);
        Pump();
        try
        {
            await _finished.Task.ConfigureAwait(false);
        }
        finally
        {
            AbortAll();
            await sweep.ConfigureAwait(false);
            // Aborted connects still complete; let them return their probes before the probes are disposed.
            for (var i = 0; i < 200 && Volatile.Read(ref _inFlight) > 0; i++) await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }
        Task[] reads;
        lock (_gate) reads = [.. _bannerReads];
        await Task.WhenAll(reads).ConfigureAwait(false);
        _clock.Stop();
        foreach (var p in _all) p.Dispose();
        if (_fault is not null) throw _fault;
        return Report();
    }

    private ScanReport Report() => _book.Report(_clock.Elapsed, _probes, Ceiling, _peak, _options.Timing.Name);

    /// <summary>Starts connects while the window has room and work remains.</summary>
    private void Pump()
    {
        while (true)
        {
            ConnectProbe probe;
            int job, attempt;
            lock (_gate)
            {
                if (_finished.Task.IsCompleted || _inFlight >= _window.Size) return;
                if (_options.Timing.ScanDelay > TimeSpan.Zero && _lastLaunch != 0
                    && Stopwatch.GetElapsedTime(_lastLaunch) < _options.Timing.ScanDelay) return;
                if (_again.Count > 0) (job, attempt) = _again.Dequeue();
                else if (_next < Total) (job, attempt) = ((int)_next++, 1);
                else return;
                probe = _free.Count > 0 ? _free.Pop() : NewProbe();
                _inFlight++;
                if (_inFlight > _peak) _peak = _inFlight;
                _probes++;
                _lastLaunch = Stopwatch.GetTimestamp();
            }
            Start(probe, job, attempt);
        }
    }

    private ConnectProbe NewProbe()
    {
        var p = new ConnectProbe(this);
        _all.Add(p);
        return p;
    }

    private void Start(ConnectProbe probe, int job, int attempt)
    {
        var (target, port) = Locate(job);
        var address = _targets[target].Address;
        Socket socket;
        try
        {
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException ex)
        {
            // Out of descriptors or buffers: shrink the window, put the port back, and let a completion pump again.
            _trace?.Call($"socket({BsdNames.Family(address.AddressFamily)}, SOCK_STREAM, IPPROTO_TCP) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            Requeue(probe, job, attempt, ex);
            return;
        }
        var timeout = _rtt[target].Timeout;
        lock (probe.Gate)
        {
            probe.Job = job;
            probe.Try = attempt;
            probe.Socket = socket;
            probe.TimedOut = false;
            probe.Active = true;
            probe.Started = Stopwatch.GetTimestamp();
            probe.Deadline = probe.Started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        }
        if (_trace is not null)
        {
            probe.Handle = socket.SafeHandle.DangerousGetHandle().ToInt64();
            _trace.Call($"socket({BsdNames.Family(address.AddressFamily)}, SOCK_STREAM, IPPROTO_TCP) = {probe.Handle}");
        }
        probe.RemoteEndPoint = new IPEndPoint(address, port);
        bool pending;
        try
        {
            pending = socket.ConnectAsync(probe);
        }
        catch (ObjectDisposedException)
        {
            pending = false;
            probe.SocketError = SocketError.OperationAborted;
        }
        if (!pending) Complete(probe);
    }

    private void Requeue(ConnectProbe probe, int job, int attempt, SocketException ex)
    {
        lock (_gate)
        {
            _inFlight--;
            _probes--;
            _free.Push(probe);
            _again.Enqueue((job, attempt));
            _window.CapAt(Math.Max(1, _inFlight - 1));
            if (_inFlight == 0)
            {
                // Nothing in flight will free a descriptor: the system cannot give even one socket.
                _fault = SockException.FromSocket("socket", null, ex);
                _finished.TrySetResult();
            }
        }
    }

    internal void OnConnectCompleted(ConnectProbe probe)
    {
        Complete(probe);
        Pump();
    }

    private void Complete(ConnectProbe probe)
    {
        Socket? socket;
        bool timedOut;
        int job, attempt;
        long started;
        lock (probe.Gate)
        {
            socket = probe.Socket;
            timedOut = probe.TimedOut;
            job = probe.Job;
            attempt = probe.Try;
            started = probe.Started;
            probe.Active = false;
            probe.Socket = null;
        }
        var error = probe.SocketError;
        var rtt = Stopwatch.GetElapsedTime(started);
        var (target, port) = Locate(job);
        var handle = probe.Handle;
        if (_trace is not null)
            _trace.Call(timedOut
                ? string.Create(CultureInfo.InvariantCulture, $"connect({handle}, {EndpointText.Format(_targets[target].Address, port)}) = no answer in {rtt.TotalMilliseconds:0} ms")
                : $"connect({handle}, {EndpointText.Format(_targets[target].Address, port)}) = {(error == SocketError.Success ? "0" : "-1 " + BsdNames.Errno(error))}");

        var (verdict, reason) = VerdictBook.Classify(error, timedOut);
        var retry = verdict == Filtered && reason == "no-response" && attempt <= _retries;

        if (verdict == Open && socket is not null && socket.LocalEndPoint is IPEndPoint local
            && local.Port == port && local.Address.Equals(_targets[target].Address))
        {
            // The kernel chose the target port as our source port and the socket met itself: ask again from another port.
            socket.LingerState = new LingerOption(true, 0);
            verdict = Pending;
        }
        if (verdict == Pending)
        {
            // A local shortage (no ephemeral port, no buffer): not the target's answer. Try the port again, slower.
            CloseQuietly(socket, handle);
            lock (_gate)
            {
                _inFlight--;
                _free.Push(probe);
                _again.Enqueue((job, attempt));
                _window.OnLoss();
            }
            return;
        }

        // Karn's rule: only an answer to a first try measures the round trip unambiguously.
        if (reason != "no-response" && attempt == 1) _rtt[target].Add(rtt);

        var keepSocket = verdict == Open && _options.GrabBanners && socket is not null;
        // nmap closes a connect scan's open connections with an RST (linger 0): no FIN exchange, no TIME_WAIT.
        if (verdict == Open && !keepSocket) socket?.LingerState = new LingerOption(true, 0);
        if (!keepSocket) CloseQuietly(socket, handle);

        lock (_gate)
        {
            _inFlight--;
            _free.Push(probe);
            // Silence on a first try is a filtered port more often than a lost probe: it grows the window like an
            // answer. Were it loss, the retry's answer would say so and halve the window.
            if (reason == "no-response" && attempt == 1) _window.OnAnswer();
            if (retry)
            {
                _again.Enqueue((job, attempt + 1));
                return;
            }
            if (reason != "no-response")
            {
                if (attempt > 1) _window.OnLoss();
                else _window.OnAnswer();
            }
            _book.Record(job, verdict, reason, attempt, reason != "no-response" ? rtt : null);
            if (keepSocket) _bannerReads.Add(BannerReader.ReadAsync(socket!, handle, _options, _trace, b => _book.SetBanner(job, b)));
            if (_book.Done == Total) _finished.TrySetResult();
        }
    }

    private void CloseQuietly(Socket? socket, long handle)
    {
        if (socket is null) return;
        socket.Dispose();
        _trace?.Call($"close({handle})");
    }

    /// <summary>Closes the sockets whose time ran out, pumps, and reports progress, until the scan ends.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval);
        var lastProgress = TimeSpan.Zero;
        try
        {
            while (!_finished.Task.IsCompleted && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = Stopwatch.GetTimestamp();
                ConnectProbe[] probes;
                lock (_gate) probes = [.. _all];
                foreach (var p in probes)
                {
                    Socket? expired = null;
                    lock (p.Gate)
                    {
                        if (p.Active && !p.TimedOut && now >= p.Deadline)
                        {
                            p.TimedOut = true;
                            expired = p.Socket;
                        }
                    }
                    // Closing the socket ends the connect with OperationAborted; the completion sees TimedOut.
                    expired?.Dispose();
                }
                Pump();
                if (_options.Progress is { } progress && _clock.Elapsed - lastProgress >= ProgressInterval)
                {
                    lastProgress = _clock.Elapsed;
                    lock (_gate) progress.Report(new ScanProgress(_book.Done, Total, _book.OpenCount, _inFlight, _clock.Elapsed));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        if (_options.Progress is { } last)
            lock (_gate) last.Report(new ScanProgress(_book.Done, Total, _book.OpenCount, _inFlight, _clock.Elapsed));
    }

    private void AbortAll()
    {
        ConnectProbe[] probes;
        lock (_gate) probes = [.. _all];
        foreach (var p in probes)
        {
            Socket? s;
            lock (p.Gate)
            {
                s = p.Active ? p.Socket : null;
                if (s is not null) p.TimedOut = true;
            }
            s?.Dispose();
        }
    }

    private (int Target, int Port) Locate(long job) => _book.Locate(job);
}
