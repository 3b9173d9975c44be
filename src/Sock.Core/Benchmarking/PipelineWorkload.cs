using System.Runtime.Versioning;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Pipelined echo: each connection keeps up to N messages in flight. Replies are cut into whole messages, each is
/// checked against the one sent with that number and its round trip recorded, and as many new messages go out in one
/// send. When everything in flight fits in 64 KiB one loop does both (no thread hop; the kernel's buffers hold all of
/// it, so a send can never wait on a peer that waits on us); above that a separate sender takes credits from the
/// receiver so the two directions cannot block each other.
/// </summary>
internal sealed class PipelineWorkload : BenchWorkload
{
    private const int ReceiveBuffer = 256 * 1024;
    private const int MaxSendBatchBytes = 256 * 1024;
    private const int SingleLoopLimit = 64 * 1024;
    private const int MaxBlockingThreads = 16;
    private bool _blocking;
    private List<TracedSocket> _sockets = [];
    private string _target = "";
    private int _inFlight;

    public override int InFlight => _inFlight;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _inFlight = options.InFlight;
        _target = EndpointText.Format(options.Target);
        _blocking = options.Connections <= MaxBlockingThreads && (long)options.InFlight * options.Size <= SingleLoopLimit
            && !options.AsyncSockets && options.Proxy is null;
        _sockets = _blocking
            ? await Task.Run(() => BenchConnector.ConnectManyBlocking(options.Target, options.Connections, trace, options.ConnectTimeout), cancellationToken).ConfigureAwait(false)
            : await BenchConnector.ConnectManyAsync(options.Target, options.Connections, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
    }

    public override Task RunAsync(BenchRun run)
    {
        if (!_blocking)
            return Task.WhenAll(_sockets.Select(s => Task.Run(() => new Connection(run, s, _inFlight, _target).RunAsync())));
        // Few connections, little in flight: one thread drives them all over epoll with non-blocking calls, as a C
        // client would, keeping .NET's socket engine (an epoll thread handing completions to the thread pool) out of
        // the hot path. Where epoll is not available, a thread per connection in blocking calls.
        var connections = _sockets.Select(s => new Connection(run, s, _inFlight, _target)).ToList();
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (!(EpollLoop.Supported && Connection.RunEpoll(run, connections)))
                    Parallel.ForEach(connections, new ParallelOptions { MaxDegreeOfParallelism = connections.Count }, c => c.RunBlocking());
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The watchdog closed the sockets under a run that would not end.
                if (!run.Stopping.IsCancellationRequested) run.Error($"{_target}: {ex.Message}");
            }
            finally
            {
                tcs.TrySetResult();
            }
        }) { IsBackground = true, Name = "sock bench pipeline" };
        thread.Start();
        return tcs.Task;
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var s in _sockets) s.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Connection
    {
        private readonly BenchRun _run;
        private readonly TracedSocket _traced;
        private readonly Socket _socket;
        private readonly string _target;
        private readonly int _depth;
        private readonly int _size;
        private readonly byte[] _template;
        private readonly long[] _sentAt;
        private readonly byte[] _batch;
        private readonly byte[] _expected;
        private readonly int _batchMax;
        private readonly byte[] _in;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly CancellationTokenSource _receiving = new();
        private int _have;
        private int _credits;
        private long _sent;
        private long _received;
        private volatile bool _failed;
        private int _fd = -1;
        private long _firstMeasured = long.MaxValue;
        // Where the next sent and the next received message keep their send time in _sentAt: message k sits at k mod
        // depth, counted along instead of divided per message.
        private int _sendSlot;
        private int _receiveSlot;

        public Connection(BenchRun run, TracedSocket traced, int depth, string target)
        {
            _run = run;
            _traced = traced;
            _socket = traced.Socket;
            _target = target;
            _depth = depth;
            _size = run.Options.Size;
            _template = BenchMessage.Template(_size);
            _sentAt = new long[depth];
            _batchMax = Math.Max(1, Math.Min(depth, MaxSendBatchBytes / _size));
            _batch = new byte[_batchMax * _size];
            for (var i = 0; i < _batchMax; i++) _template.CopyTo(_batch, i * _size);
            _expected = (byte[])_batch.Clone();
            _in = new byte[Math.Max(ReceiveBuffer, _size * 2)];
            _credits = depth;
        }

        public async Task RunAsync()
        {
            try
            {
                if ((long)_depth * _size <= SingleLoopLimit) await SingleLoopAsync().ConfigureAwait(false);
                else await Task.WhenAll(Task.Run(SendLoopAsync), Task.Run(ReceiveLoopAsync)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (!_run.Stopping.IsCancellationRequested) _run.Error($"{_target}: {ex.Message}");
            }
        }

        private async Task SingleLoopAsync()
        {
            var toSend = _depth;
            while (true)
            {
                // Send as many new messages as answers came back (all of them at the start), batch by batch.
                while (toSend > 0)
                {
                    var n = TakeBatch(Math.Min(toSend, _batchMax));
                    if (n == 0) break;
                    toSend -= n;
                    await SendBatchAsync(n).ConfigureAwait(false);
                }
                if (_received >= _sent && !_run.Going) return;
                var got = await ReceiveBatchAsync(CancellationToken.None).ConfigureAwait(false);
                if (got < 0) return;
                toSend += got;
            }
        }

        /// <summary>Drives every connection from this thread over epoll; false when epoll is not available here.</summary>
        // The hot loop and what it calls per batch are compiled fully optimised at once: under tiering the first part
        // of a run would go through unoptimised code and on-stack replacement, and the measurement would include it.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SupportedOSPlatform("linux")]
        public static bool RunEpoll(BenchRun run, List<Connection> connections)
        {
            using var epoll = EpollLoop.TryCreate();
            if (epoll is null) return false;
            for (var i = 0; i < connections.Count; i++)
            {
                var c = connections[i];
                c._socket.Blocking = false;
                // Plain recv/send on the descriptor in the hot loop; the Socket keeps it open until the run ends.
                c._fd = (int)c._socket.Handle;
                if (!epoll.Add(c._fd, i)) return false;
            }
            var live = new bool[connections.Count];
            var active = connections.Count;
            for (var i = 0; i < connections.Count; i++)
            {
                live[i] = connections[i].SendCredits(connections[i]._depth);
                if (!live[i]) active--;
            }
            Span<int> ready = stackalloc int[64];
            var giveUp = long.MaxValue;
            while (active > 0)
            {
                var n = epoll.Wait(ready, 50);
                if (n < 0) break;
                for (var k = 0; k < n; k++)
                {
                    var i = ready[k];
                    if (!live[i]) continue;
                    var c = connections[i];
                    var r = EpollLoop.Receive(c._fd, c._in.AsSpan(c._have));
                    if (r == -EpollLoop.EAGAIN) continue;
                    if (r >= 0) Traced(c._traced, "recv", r);
                    var got = r >= 0 ? c.Completed(r) : c.Failed(-r);
                    if (got < 0 || !c.SendCredits(got) || c.Finished)
                    {
                        live[i] = false;
                        active--;
                    }
                }
                if (!run.Going)
                {
                    if (giveUp == long.MaxValue) giveUp = BenchRun.Now + BenchRun.Ticks(BenchRunner.Grace);
                    for (var i = 0; i < connections.Count; i++)
                    {
                        if (!live[i] || !connections[i].Finished) continue;
                        live[i] = false;
                        active--;
                    }
                    if (BenchRun.Now > giveUp)
                    {
                        foreach (var c in connections.Where((_, i) => live[i]))
                            run.Error($"{c._target} left {c._sent - c._received} messages unanswered");
                        break;
                    }
                }
            }
            return true;
        }

        private bool Finished => _received >= _sent && !_run.Going;

        private int Failed(int errno)
        {
            if (!_run.Stopping.IsCancellationRequested) _run.Error($"{_target}: {Marshal.GetPInvokeErrorMessage(errno)}");
            _failed = true;
            return -1;
        }

        /// <summary>Sends up to <paramref name="credits"/> new messages, non-blocking, waiting briefly on a full buffer; false on failure.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SupportedOSPlatform("linux")]
        private bool SendCredits(int credits)
        {
            while (credits > 0)
            {
                var n = TakeBatch(Math.Min(credits, _batchMax));
                if (n == 0) return true;
                credits -= n;
                var data = Stamp(n);
                while (data.Length > 0)
                {
                    var w = EpollLoop.Send(_fd, data.Span);
                    if (w >= 0) Traced(_traced, "send", w);
                    if (w == -EpollLoop.EAGAIN)
                    {
                        // Rare: at most 64 KiB is ever in flight. Wait for room rather than spin.
                        _socket.Poll(1000, SelectMode.SelectWrite);
                        continue;
                    }
                    if (w < 0)
                    {
                        Failed(-w);
                        return false;
                    }
                    data = data[w..];
                }
            }
            return true;
        }

        public void RunBlocking()
        {
            try
            {
                var toSend = _depth;
                while (true)
                {
                    while (toSend > 0)
                    {
                        var n = TakeBatch(Math.Min(toSend, _batchMax));
                        if (n == 0) break;
                        toSend -= n;
                        var data = Stamp(n);
                        while (data.Length > 0)
                        {
                            var w = _socket.Send(data.Span, SocketFlags.None);
                            Traced(_traced, "send", w);
                            data = data[w..];
                        }
                    }
                    if (_received >= _sent && !_run.Going) return;
                    var r = _socket.Receive(_in.AsSpan(_have), SocketFlags.None);
                    Traced(_traced, "recv", r);
                    var got = Completed(r);
                    if (got < 0) return;
                    toSend += got;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (!_run.Stopping.IsCancellationRequested) _run.Error($"{_target}: {ex.Message}");
            }
        }

        private async Task SendLoopAsync()
        {
            try
            {
                while (!_failed)
                {
                    var credits = Interlocked.Exchange(ref _credits, 0);
                    if (credits == 0)
                    {
                        // Wake on credits, or look again now and then to notice the end of the run.
                        await _wake.WaitAsync(50).ConfigureAwait(false);
                        if (!_run.Going) break;
                        continue;
                    }
                    var n = TakeBatch(Math.Min(credits, _batchMax));
                    if (credits > n) Interlocked.Add(ref _credits, credits - n);
                    if (n == 0) break;
                    await SendBatchAsync(n).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (!_run.Stopping.IsCancellationRequested) _run.Error($"{_target}: {ex.Message}");
                _failed = true;
            }
            // Wait for the answers still in flight (bounded), then stop the receiver, which would otherwise wait for
            // bytes that will never come. The connection stays open: some servers drop unsent replies on a half-close.
            var deadline = Stopwatch.GetTimestamp() + BenchRun.Ticks(BenchRunner.Grace);
            while (!_failed && Volatile.Read(ref _received) < Volatile.Read(ref _sent) && Stopwatch.GetTimestamp() < deadline)
                await Task.Delay(1).ConfigureAwait(false);
            if (Volatile.Read(ref _received) < Volatile.Read(ref _sent) && !_failed)
                _run.Error($"{_target} left {Volatile.Read(ref _sent) - Volatile.Read(ref _received)} messages unanswered");
            await _receiving.CancelAsync().ConfigureAwait(false);
        }

        private async Task ReceiveLoopAsync()
        {
            try
            {
                while (!_failed)
                {
                    var got = await ReceiveBatchAsync(_receiving.Token).ConfigureAwait(false);
                    if (got < 0) break;
                    if (got > 0 && Interlocked.Add(ref _credits, got) == got) _wake.Release();
                }
            }
            catch (OperationCanceledException)
            {
                // The sender saw every answer arrive and ended the loop.
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (!_run.Stopping.IsCancellationRequested) _run.Error($"{_target}: {ex.Message}");
            }
            finally
            {
                _failed = true;
                _wake.Release();
            }
        }

        /// <summary>Takes messages from the run's budget and notes the first one that is measured (all after it are too).</summary>
        private int TakeBatch(int want)
        {
            var n = _run.Take(want, out var measured);
            if (n > 0 && measured && Volatile.Read(ref _firstMeasured) == long.MaxValue) Volatile.Write(ref _firstMeasured, _sent);
            return n;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Memory<byte> Stamp(int n)
        {
            var now = Stopwatch.GetTimestamp();
            var first = _sent;
            var slot = _sendSlot;
            for (var i = 0; i < n; i++)
            {
                BenchMessage.Stamp(_batch.AsSpan(i * _size, _size), (ulong)(first + i));
                _sentAt[slot] = now;
                if (++slot == _depth) slot = 0;
            }
            _sendSlot = slot;
            Volatile.Write(ref _sent, first + n);
            return _batch.AsMemory(0, n * _size);
        }

        private async ValueTask SendBatchAsync(int n)
        {
            var data = Stamp(n);
            while (data.Length > 0)
            {
                var w = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                Traced(_traced, "send", w);
                data = data[w..];
            }
        }

        /// <summary>Reads once and checks the whole messages that completed: their number, or -1 when the connection is done for.</summary>
        private async ValueTask<int> ReceiveBatchAsync(CancellationToken ct)
        {
            var n = await _socket.ReceiveAsync(_in.AsMemory(_have), SocketFlags.None, ct).ConfigureAwait(false);
            Traced(_traced, "recv", n);
            return Completed(n);
        }

        /// <summary>
        /// Checks the first <paramref name="whole"/> received messages, every byte of each against the message sent with
        /// its number, and returns how many match before the first that does not. The expected messages are written
        /// out batch by batch and compared in one vectorised pass; only a batch with a difference is walked message by
        /// message to find it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Matching(int whole)
        {
            var size = _size;
            ReadOnlySpan<byte> input = _in;
            var done = 0;
            while (done < whole)
            {
                var k = Math.Min(whole - done, _batchMax);
                var expected = _expected.AsSpan(0, k * size);
                var first = (ulong)(_received + done);
                for (var i = 0; i < k; i++) BenchMessage.Stamp(expected.Slice(i * size, size), first + (ulong)i);
                if (!input.Slice(done * size, k * size).SequenceEqual(expected))
                {
                    for (var i = 0; i < k; i++)
                    {
                        if (!BenchMessage.Check(input.Slice((done + i) * size, size), first + (ulong)i, _template)) return done + i;
                    }
                }
                done += k;
            }
            return whole;
        }

        /// <summary>Takes <paramref name="n"/> more received bytes and checks the whole messages that completed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Completed(int n)
        {
            if (n == 0)
            {
                if (_received < Volatile.Read(ref _sent))
                    _run.Error($"{_target} closed the connection with {Volatile.Read(ref _sent) - _received} messages unanswered");
                _failed = true;
                return -1;
            }
            _have += n;
            var whole = _have / _size;
            var now = Stopwatch.GetTimestamp();
            var firstMeasured = Volatile.Read(ref _firstMeasured);
            var good = 0;
            var measured = 0;
            // Messages sent in one batch share a send time: record each run of equal latency once, with its count.
            long runStart = 0;
            var runLength = 0;
            var slot = _receiveSlot;
            var sentTimes = _sentAt;
            var matching = Matching(whole);
            while (good < matching)
            {
                var seq = _received + good;
                good++;
                var sentAt = sentTimes[slot];
                if (++slot == sentTimes.Length) slot = 0;
                if (seq < firstMeasured) continue; // sent during the warm-up
                measured++;
                if (runLength > 0 && sentAt != runStart)
                {
                    _run.RecordLatency(BenchRun.Nanos(now - runStart), runLength);
                    runLength = 0;
                }
                runStart = sentAt;
                runLength++;
            }
            if (runLength > 0) _run.RecordLatency(BenchRun.Nanos(now - runStart), runLength);
            if (measured > 0)
            {
                _run.Counters.AddMessages(measured);
                _run.Counters.AddSent((long)measured * _size);
                _run.Counters.AddReceived((long)measured * _size);
            }
            if (good < whole)
            {
                _run.Mismatch($"the echo of message {_received + good} from {_target} differs from what was sent");
                _failed = true;
                return -1;
            }
            _receiveSlot = slot;
            Volatile.Write(ref _received, _received + whole);
            var rest = _have - whole * _size;
            if (rest > 0) Buffer.BlockCopy(_in, whole * _size, _in, 0, rest);
            _have = rest;
            return whole;
        }
    }
}
