using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;
using Sock.Core.Platform.Linux;
using System.Runtime.Versioning;

namespace Sock.Core.Scanning;

/// <summary>
/// The TCP connect scan on Linux, as nmap runs it but on every core: each worker thread owns an epoll set and a share
/// of the window. A worker's turn starts connects while its share has room, collects the connects that finished
/// (getsockopt SO_ERROR: 0 is open, ECONNREFUSED closed, an ICMP unreachable filtered), and every few milliseconds
/// closes the ones past their host's learned timeout (to be retried, then called filtered). Workers share only the
/// job counter, the congestion window and the round-trip estimates; about five system calls per port.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollConnectScan
{
    /// <summary>Below this many jobs one worker is enough; thread start-up would cost more than it saves.</summary>
    private const int JobsPerExtraWorker = 4096;

    private static readonly long SweepTicks = Stopwatch.Frequency / 200;      // 5 ms
    private static readonly long ProgressTicks = Stopwatch.Frequency / 10;    // 100 ms

    private readonly IReadOnlyList<ScanTarget> _targets;
    private readonly ScanOptions _options;
    private readonly SocketTrace? _trace;
    private readonly int _retries;
    private readonly RttEstimator[] _rtt;
    private readonly CongestionWindow _window;
    private readonly VerdictBook _book;
    private readonly List<Task> _bannerReads = [];
    private readonly Stopwatch _clock = new();
    private readonly int _workers;
    private readonly bool[] _local;
    private readonly long _delayTicks;
    private long _next;
    private long _probes;
    private int _inFlight;
    private int _peak;
    private long _lastLaunch;

    public EpollConnectScan(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports, ScanOptions options, bool listClosed)
    {
        _targets = targets;
        _options = options;
        _trace = options.Trace;
        _retries = options.Retries;
        var timing = options.Timeout is { } t ? options.Timing with { InitialTimeout = t, MinTimeout = t, MaxTimeout = t } : options.Timing;
        _rtt = [.. targets.Select(_ => new RttEstimator(timing))];
        Ceiling = OpenFileLimit.Allow(options.WantedParallel);
        _window = new CongestionWindow(Math.Min(options.Timing.InitialParallel, Ceiling), Ceiling);
        _book = new VerdictBook(targets, ports, options.GrabBanners, listClosed);
        _local = LocalAddresses.Flags(targets);
        _delayTicks = (long)(options.Timing.ScanDelay.TotalSeconds * Stopwatch.Frequency);
        // A scan delay means one probe at a time anyway; tracing reads better from one thread.
        _workers = _delayTicks > 0 || _trace is not null ? 1
            : (int)Math.Clamp(Math.Min(Environment.ProcessorCount, _book.Total / JobsPerExtraWorker), 1, 4);
        if (options.Workers is { } w) _workers = Math.Clamp(w, 1, 64);
    }

    public int Ceiling { get; }

    public async Task<ScanReport> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        var workers = Enumerable.Range(0, _workers).Select(i => Task.Factory.StartNew(() => new Worker(this, i).Run(cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        Task[] reads;
        lock (_bannerReads) reads = [.. _bannerReads];
        await Task.WhenAll(reads).ConfigureAwait(false);
        _clock.Stop();
        _options.Progress?.Report(new ScanProgress(_book.Done, _book.Total, _book.OpenCount, 0, _clock.Elapsed));
        return _book.Report(_clock.Elapsed, Interlocked.Read(ref _probes), Ceiling, _peak, _options.Timing.Name);
    }

    private bool TryTakeJob(out long job)
    {
        job = Interlocked.Increment(ref _next) - 1;
        return job < _book.Total;
    }

    private bool MoreJobs => Interlocked.Read(ref _next) < _book.Total;

    private void NoteInFlight(int delta)
    {
        var now = Interlocked.Add(ref _inFlight, delta);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    private sealed class Worker(EpollConnectScan scan, int index)
    {
        private readonly Queue<(long Job, int Try)> _again = new();
        private readonly List<int> _active = [];
        private readonly byte[] _sockaddr = new byte[32];
        private readonly Stack<int> _spare4 = new();
        private readonly Stack<int> _spare6 = new();
        private Slot[] _slots = new Slot[1024];
        private int _epfd = -1;

        private struct Slot
        {
            public long Job;
            public int Try;
            public long Started;
            public long Deadline;
            public bool Active;
            public int ActiveIndex;
        }

        public void Run(CancellationToken cancellationToken)
        {
            _epfd = Epoll.Create();
            if (_epfd < 0)
                throw new SockException(SockErrorKind.Network, "epoll_create", null, SocketErrorText.Describe(Errno.ToSocketError(-_epfd)));
            using var events = new EpollEvents(512);
            var lastSweep = Stopwatch.GetTimestamp();
            var lastProgress = lastSweep;
            var noMoreNew = false;
            try
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var share = Math.Max(1, scan._window.Size / scan._workers);
                    while (_active.Count < share)
                    {
                        if (scan._delayTicks > 0 && Stopwatch.GetTimestamp() - Interlocked.Read(ref scan._lastLaunch) < scan._delayTicks) break;
                        long job;
                        int attempt;
                        if (_again.Count > 0) (job, attempt) = _again.Dequeue();
                        else if (!noMoreNew && scan.TryTakeJob(out job)) attempt = 1;
                        else
                        {
                            noMoreNew = true;
                            break;
                        }
                        Interlocked.Exchange(ref scan._lastLaunch, Stopwatch.GetTimestamp());
                        if (!Launch(job, attempt)) break;
                        share = Math.Max(1, scan._window.Size / scan._workers);
                    }
                    if (_active.Count == 0 && _again.Count == 0 && (noMoreNew || !scan.MoreJobs)) break;

                    var n = Epoll.Wait(_epfd, events, 2);
                    for (var i = 0; i < n; i++)
                    {
                        var fd = (int)events.DataAt(i);
                        if (fd < 0 || fd >= _slots.Length || !_slots[fd].Active) continue;
                        Finish(fd, Errno.ToSocketError(SocketCalls.PendingError(fd)), timedOut: false);
                    }

                    var now = Stopwatch.GetTimestamp();
                    if (now - lastSweep >= SweepTicks)
                    {
                        lastSweep = now;
                        // Backwards, since Finish swap-removes: the element moved into place i was already seen.
                        for (var i = _active.Count - 1; i >= 0; i--)
                        {
                            if (i >= _active.Count) continue;
                            var fd = _active[i];
                            if (now >= _slots[fd].Deadline) Finish(fd, SocketError.TimedOut, timedOut: true);
                        }
                    }
                    if (index == 0 && scan._options.Progress is { } progress && now - lastProgress >= ProgressTicks)
                    {
                        lastProgress = now;
                        progress.Report(new ScanProgress(scan._book.Done, scan._book.Total, scan._book.OpenCount, Volatile.Read(ref scan._inFlight), scan._clock.Elapsed));
                    }
                }
            }
            finally
            {
                foreach (var fd in _active.ToArray()) CloseFd(fd);
                foreach (var fd in _spare4.Concat(_spare6)) Descriptor.Close(fd);
                Descriptor.Close(_epfd);
            }
        }

        /// <summary>Starts one connect. False when the system is out of sockets and the window was shrunk.</summary>
        private bool Launch(long job, int attempt)
        {
            var (target, port) = scan._book.Locate(job);
            var address = scan._targets[target].Address;
            var trace = scan._trace;
            // A socket whose connect was refused is back where socket() left it, and Linux lets it connect again:
            // reusing it saves a socket() and a close() per closed port.
            var spare = address.AddressFamily == AddressFamily.InterNetwork ? _spare4 : _spare6;
            var reused = spare.Count > 0;
            var fd = reused ? spare.Pop() : SocketCalls.NonBlockingStream(address.AddressFamily);
            if (fd < 0)
            {
                var error = Errno.ToSocketError(-fd);
                trace?.Call($"socket({BsdNames.Family(address.AddressFamily)}, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = -1 {BsdNames.Errno(error)}");
                _again.Enqueue((job, attempt));
                if (_active.Count == 0)
                    throw new SockException(SockErrorKind.Network, "socket", null, SocketErrorText.Describe(error), error);
                scan._window.CapAt(Math.Max(1, (_active.Count - 1) * scan._workers));
                return false;
            }
            Interlocked.Increment(ref scan._probes);
            trace?.Call($"socket({BsdNames.Family(address.AddressFamily)}, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = {fd}");
            if (fd >= _slots.Length) Array.Resize(ref _slots, Math.Max(fd + 1, _slots.Length * 2));
            var started = Stopwatch.GetTimestamp();
            ref var slot = ref _slots[fd];
            slot.Job = job;
            slot.Try = attempt;
            slot.Started = started;
            slot.Deadline = started + (long)(scan._rtt[target].Timeout.TotalSeconds * Stopwatch.Frequency);
            slot.Active = true;
            slot.ActiveIndex = _active.Count;
            _active.Add(fd);
            scan.NoteInFlight(1);
            var len = Sockaddr.Write(address, port, _sockaddr);
            var err = -SocketCalls.Connect(fd, _sockaddr.AsSpan(0, len));
            if (reused && err == Errno.ECONNABORTED)
            {
                // The first connect on a refused socket only clears its old state (ECONNABORTED); the second one goes out.
                err = -SocketCalls.Connect(fd, _sockaddr.AsSpan(0, len));
            }
            if (err == Errno.EINPROGRESS)
            {
                // On the machine's own addresses the answer is usually in before connect returns (the SYN and the
                // RST are handled in the same call): ask for it first, and wait in epoll only when it is not there.
                if (scan._local[target] && SocketCalls.PendingError(fd) is var early && early != 0)
                {
                    Finish(fd, Errno.ToSocketError(early), timedOut: false, reusable: early == Errno.ECONNREFUSED);
                    return true;
                }
                if (Epoll.Control(_epfd, Epoll.CtlAdd, fd, Epoll.Out, (ulong)fd) is var added and < 0)
                    Finish(fd, Errno.ToSocketError(-added), timedOut: false);
                return true;
            }
            Finish(fd, Errno.ToSocketError(err), timedOut: false, reusable: err == Errno.ECONNREFUSED);
            return true;
        }

        private void Finish(int fd, SocketError error, bool timedOut, bool reusable = false)
        {
            ref var slot = ref _slots[fd];
            var job = slot.Job;
            var attempt = slot.Try;
            var rtt = Stopwatch.GetElapsedTime(slot.Started);
            Deactivate(fd);
            var (target, port) = scan._book.Locate(job);
            if (scan._trace is { } trace)
                trace.Call(timedOut
                    ? string.Create(CultureInfo.InvariantCulture, $"connect({fd}, {EndpointText.Format(scan._targets[target].Address, port)}) = no answer in {rtt.TotalMilliseconds:0} ms")
                    : $"connect({fd}, {EndpointText.Format(scan._targets[target].Address, port)}) = {(error == SocketError.Success ? "0" : "-1 " + BsdNames.Errno(error))}");

            var (verdict, reason) = VerdictBook.Classify(error, timedOut);
            if (verdict == VerdictBook.Open && ConnectedToItself(fd, target, port))
            {
                // The kernel chose the target port as our source port and the socket met itself: ask again from another port.
                SocketCalls.SetAbortiveClose(fd);
                CloseFd(fd);
                _again.Enqueue((job, attempt));
                return;
            }
            if (verdict == VerdictBook.Pending)
            {
                // A local shortage (no ephemeral port, no buffers): not the target's answer. Again, more slowly.
                CloseFd(fd);
                _again.Enqueue((job, attempt));
                scan._window.OnLoss();
                return;
            }
            var silent = reason == "no-response";
            if (!silent && attempt == 1) scan._rtt[target].Add(rtt); // Karn's rule: only a first try's answer measures the round trip
            // Silence on a first try is a filtered port more often than a lost probe: it grows the window like an
            // answer. Were it loss, the retry's answer would say so and halve the window.
            if (silent && attempt == 1) scan._window.OnAnswer();
            if (silent && attempt <= scan._retries)
            {
                CloseFd(fd);
                _again.Enqueue((job, attempt + 1));
                return;
            }
            if (!silent)
            {
                if (attempt > 1) scan._window.OnLoss(); // the first probe was lost, yet the port answers: congestion
                else scan._window.OnAnswer();
            }
            scan._book.Record(job, verdict, reason, attempt, silent ? null : rtt);
            if (verdict == VerdictBook.Open && scan._options.GrabBanners)
            {
                // Hand the descriptor to a .NET socket, which reads the banner on the runtime's own event loop.
                Epoll.Control(_epfd, Epoll.CtlDel, fd, 0, 0);
                var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                lock (scan._bannerReads)
                    scan._bannerReads.Add(BannerReader.ReadAsync(socket, fd, scan._options, scan._trace, b => scan._book.SetBanner(job, b)));
                return;
            }
            // nmap closes a connect scan's open connections with an RST (linger 0): no FIN exchange, no TIME_WAIT.
            if (verdict == VerdictBook.Open) SocketCalls.SetAbortiveClose(fd);
            if (reusable && !scan._options.GrabBanners && scan._trace is null)
            {
                Deactivate(fd);
                (scan._targets[target].Address.AddressFamily == AddressFamily.InterNetwork ? _spare4 : _spare6).Push(fd);
                return;
            }
            CloseFd(fd);
        }

        private bool ConnectedToItself(int fd, int target, int port)
        {
            var address = scan._targets[target].Address;
            if (!scan._local[target]) return false;
            // The kernel picked the destination port as the source port and the socket connected to itself (TCP
            // simultaneous open): its own address is the one it connected to, which says nothing about a listener.
            Span<byte> remote = stackalloc byte[Sockaddr.MaxLength];
            Span<byte> local = stackalloc byte[32];
            var len = Sockaddr.Write(address, port, remote);
            return SocketCalls.LocalAddress(fd, local) == len && local[..len].SequenceEqual(remote[..len]);
        }

        private void Deactivate(int fd)
        {
            ref var slot = ref _slots[fd];
            if (!slot.Active) return;
            slot.Active = false;
            var i = slot.ActiveIndex;
            var last = _active[^1];
            _active[i] = last;
            _slots[last].ActiveIndex = i;
            _active.RemoveAt(_active.Count - 1);
            scan.NoteInFlight(-1);
        }

        private void CloseFd(int fd)
        {
            Deactivate(fd);
            Descriptor.Close(fd);
            scan._trace?.Call($"close({fd})");
        }
    }
}
