using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Sock.Core.Http;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The epoll path of <see cref="HttpWorkload"/>: plain HTTP, closed loop, no trace, on Linux. A few threads each drive
/// their share of the connections over one epoll set with non-blocking recv/send on the descriptors, as wrk's threads
/// do. Over .NET's socket engine every response cost an epoll-thread wake-up, a hand-over to the thread pool, and a
/// receive that found the socket empty; here it is one recv, one send and a share of one epoll_wait. Quietly, on 2 cores
/// against nginx, the engine path reached 0.79–0.90× wrk's requests/s (bench/RESULTS.md).
/// <para>
/// The common case only. A connection that leaves it — the server closes it, says it will, or answers something
/// malformed; a failed call — is settled here as the async path settles it (answered, failed, or sent again) and goes
/// on there (<see cref="ConnectionAsync"/>), which reconnects.
/// </para>
/// </summary>
internal sealed partial class HttpWorkload
{
    [SupportedOSPlatformGuard("linux")]
    private bool UsesEpoll => OperatingSystem.IsLinux() && EpollLoop.Supported && _http.Url.Scheme == "http"
                              && _options.Rate is null && _options.Proxy is null && _trace is null;

    [SupportedOSPlatform("linux")]
    private Task RunEpollAsync(BenchRun run)
    {
        var handedOver = new ConcurrentQueue<Task>();
        // As wrk -t: a thread per processor, at most one per connection.
        var threads = Math.Clamp(Environment.ProcessorCount, 1, _options.Connections);
        var done = new Task[threads];
        for (var t = 0; t < threads; t++)
        {
            var mine = Enumerable.Range(0, _options.Connections).Where(i => i % threads == t).ToList();
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                // A raw thread: an exception escaping it would end the process, so a socket failure is the run's error.
                try { DriveEpoll(run, mine, handedOver); }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or IOException or Errors.SockException)
                {
                    if (!run.Stopping.IsCancellationRequested) run.Error($"{_target}: {ex.Message}");
                }
                finally { tcs.TrySetResult(); }
            }) { IsBackground = true, Name = "sock bench http" }.Start();
            done[t] = tcs.Task;
        }
        return FinishAsync(done, handedOver);

        static async Task FinishAsync(Task[] threads, ConcurrentQueue<Task> handedOver)
        {
            await Task.WhenAll(threads).ConfigureAwait(false);
            // Nothing is handed over once the threads are done.
            await Task.WhenAll(handedOver).ConfigureAwait(false);
        }
    }

    /// <summary>One connection's state on the epoll path: what the async path keeps in locals.</summary>
    private sealed class EpollConnection(int index, Link link, int depth)
    {
        public readonly int Index = index;
        public readonly Link Link = link;
        public int Fd;
        public readonly HttpResponseReader Reader = new();
        public readonly byte[] Buffer = new byte[64 * 1024];
        public int Start, End;
        public readonly long[] SentAt = new long[depth];
        public readonly bool[] Counts = new bool[depth];
        public int Head, InFlight;
        public bool Live = true;
    }

    [SupportedOSPlatform("linux")]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DriveEpoll(BenchRun run, List<int> indices, ConcurrentQueue<Task> handedOver)
    {
        var depth = _http.Pipeline;
        var conns = new List<EpollConnection>(indices.Count);
        foreach (var i in indices)
        {
            var link = _first[i]!;
            _first[i] = null;
            conns.Add(new EpollConnection(i, link, depth) { Reader = { HeadRequest = _head } });
        }
        using var epoll = EpollLoop.TryCreate();
        var active = conns.Count;
        void HandOver(EpollConnection c)
        {
            // Settled here; the async path reconnects and goes on (or ends at once if the run has).
            c.Live = false;
            active--;
            Close(c.Link);
            handedOver.Enqueue(Task.Run(() => ConnectionAsync(run, c.Index)));
        }
        void Finish(EpollConnection c)
        {
            c.Live = false;
            active--;
            Close(c.Link);
        }
        for (var k = 0; k < conns.Count; k++)
        {
            var c = conns[k];
            c.Link.Socket.Socket.Blocking = false;
            c.Fd = (int)c.Link.Socket.Socket.Handle;
            if (epoll is null || !epoll.Add(c.Fd, k)) { HandOver(c); continue; }
            if (!SendDue(run, c)) HandOver(c);
            else if (c.InFlight == 0) Finish(c);
        }
        Span<int> ready = stackalloc int[64];
        long drainUntil = long.MaxValue;
        while (active > 0 && epoll is not null)
        {
            var n = epoll.Wait(ready, 50);
            if (n < 0) break;
            for (var k = 0; k < n; k++)
            {
                var c = conns[ready[k]];
                if (!c.Live) continue;
                switch (Receive(run, c))
                {
                    case Next.Wait: break;
                    case Next.Send:
                        if (!SendDue(run, c)) HandOver(c);
                        else if (c.InFlight == 0 && !run.Going) Finish(c);
                        break;
                    case Next.Reconnect: HandOver(c); break;
                }
            }
            if (!run.Going)
            {
                // The run is over: connections with nothing in flight end; the rest get DrainTime, as on the async path.
                if (drainUntil == long.MaxValue) drainUntil = BenchRun.Now + BenchRun.Ticks(DrainTime);
                var late = BenchRun.Now > drainUntil;
                foreach (var c in conns)
                {
                    if (!c.Live || (c.InFlight > 0 && !late)) continue;
                    if (c.InFlight > 0) lock (_tallies[c.Index]) _tallies[c.Index].Unfinished += c.InFlight;
                    Finish(c);
                }
            }
        }
        // Only if epoll itself failed: what is left goes on over the engine.
        foreach (var c in conns) if (c.Live) HandOver(c);
    }

    private enum Next { Wait, Send, Reconnect }

    /// <summary>Reads what the edge brought and settles the responses in it, as ConnectionAsync's read step does.</summary>
    [SupportedOSPlatform("linux")]
    private Next Receive(BenchRun run, EpollConnection c)
    {
        var tally = _tallies[c.Index];
        var depth = _http.Pipeline;
        if (c.End == c.Buffer.Length)
        {
            c.Buffer.AsSpan(c.Start, c.End - c.Start).CopyTo(c.Buffer);
            c.End -= c.Start;
            c.Start = 0;
        }
        var r = EpollLoop.Receive(c.Fd, c.Buffer.AsSpan(c.End));
        if (r == -EpollLoop.EAGAIN) return Next.Wait;
        if (r < 0)
        {
            if (!run.Stopping.IsCancellationRequested)
                Fail(run, tally, "read", Counted(c.Counts, c.Head, c.InFlight, depth), $"{_target}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-r)}");
            else lock (tally) tally.Unfinished += c.InFlight;
            return Next.Reconnect;
        }
        var reusable = true;
        if (r == 0)
        {
            if (c.Reader.EndOfStream())
            {
                Answered(run, tally, c.Reader.Status, c.SentAt[c.Head], c.Counts[c.Head]);
                c.InFlight = 0;
                reusable = false;
            }
            if (reusable) Fail(run, tally, "closed", Counted(c.Counts, c.Head, c.InFlight, depth), $"{_target} closed the connection with {c.InFlight} request(s) unanswered");
            return Next.Reconnect;
        }
        if (run.Recording) run.Counters.AddReceived(r);
        c.End += r;
        while (c.InFlight > 0 && reusable)
        {
            var step = c.Reader.Read(c.Buffer.AsSpan(c.Start, c.End - c.Start), out var consumed);
            c.Start += consumed;
            if (step == HttpResponseReader.Step.NeedMore) break;
            if (step == HttpResponseReader.Step.Malformed)
            {
                Fail(run, tally, "malformed", Counted(c.Counts, c.Head, c.InFlight, depth), $"{_target}: {c.Reader.Problem}");
                return Next.Reconnect;
            }
            Answered(run, tally, c.Reader.Status, c.SentAt[c.Head], c.Counts[c.Head]);
            c.Head = (c.Head + 1) % depth;
            c.InFlight--;
            // The server said it closes after this one: what was pipelined behind it is sent again elsewhere.
            if (!c.Reader.KeepAlive)
            {
                c.InFlight = 0;
                reusable = false;
            }
        }
        if (c.Start == c.End) c.Start = c.End = 0;
        // A body that runs to the close stays here until the close; any other end of reuse reconnects.
        if (!reusable) return c.Reader.ReadsUntilClose ? Next.Wait : Next.Reconnect;
        return Next.Send;
    }

    /// <summary>Sends as many requests as the window has room for; false when the send failed (settled as on the async path).</summary>
    [SupportedOSPlatform("linux")]
    private bool SendDue(BenchRun run, EpollConnection c)
    {
        var depth = _http.Pipeline;
        var room = !run.Stopping.IsCancellationRequested ? depth - c.InFlight : 0;
        if (room <= 0) return true;
        var k = run.Take(room, out var measured);
        if (k == 0) return true;
        var now = BenchRun.Now;
        for (var i = 0; i < k; i++)
        {
            var slot = (c.Head + c.InFlight + i) % depth;
            c.SentAt[slot] = now;
            c.Counts[slot] = measured;
        }
        c.InFlight += k;
        ReadOnlySpan<byte> data = _batch.AsSpan(0, k * _requestLength);
        var giveUp = 0L;
        while (!data.IsEmpty)
        {
            var w = EpollLoop.Send(c.Fd, data);
            if (w == -EpollLoop.EAGAIN)
            {
                // A few hundred bytes of requests do not fill a socket's buffer unless the server stopped reading: give
                // it DrainTime, then count it as a failed write.
                if (giveUp == 0) giveUp = BenchRun.Now + BenchRun.Ticks(DrainTime);
                if (BenchRun.Now < giveUp) { Thread.Yield(); continue; }
                w = -Errno.ETIMEDOUT;
            }
            if (w < 0)
            {
                Fail(run, _tallies[c.Index], "write", Counted(c.Counts, c.Head, c.InFlight, depth), $"{_target}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-w)}");
                return false;
            }
            data = data[w..];
        }
        if (measured) run.Counters.AddSent(k * _requestLength);
        return true;
    }
}
