using System.Diagnostics;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Transport;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Pipelined echo: each connection keeps up to N messages in flight. A sender writes as many messages as it has
/// credits for in one send; a receiver cuts the byte stream into whole messages, checks each against the one sent
/// with that number, records its round trip, and hands the credits back. Messages are counted whole.
/// </summary>
internal sealed class PipelineWorkload : BenchWorkload
{
    private const int ReceiveBuffer = 256 * 1024;
    private const int MaxSendBatchBytes = 256 * 1024;
    private List<TracedSocket> _sockets = [];
    private string _target = "";
    private int _inFlight;

    public override int InFlight => _inFlight;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _inFlight = options.InFlight;
        _target = EndpointText.Format(options.Target);
        _sockets = await BenchConnector.ConnectManyAsync(options.Target, options.Connections, trace, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
    }

    public override Task RunAsync(BenchRun run) =>
        Task.WhenAll(_sockets.Select(s => Task.Run(() => new Connection(run, s, _inFlight, _target).RunAsync())));

    public override ValueTask DisposeAsync()
    {
        foreach (var s in _sockets) s.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Connection(BenchRun run, TracedSocket traced, int depth, string target)
    {
        private readonly int inFlight = depth;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly long[] _sentAt = new long[depth];
        private readonly int _size = run.Options.Size;
        private readonly byte[] _template = BenchMessage.Template(run.Options.Size);
        private int _credits = depth;
        private long _sent;
        private volatile bool _senderDone;
        private volatile bool _failed;

        public async Task RunAsync()
        {
            var sender = Task.Run(SendLoopAsync);
            var receiver = Task.Run(ReceiveLoopAsync);
            await Task.WhenAll(sender, receiver).ConfigureAwait(false);
        }

        private async Task SendLoopAsync()
        {
            var socket = traced.Socket;
            var batchMax = Math.Max(1, Math.Min(inFlight, MaxSendBatchBytes / _size));
            var batch = new byte[batchMax * _size];
            for (var i = 0; i < batchMax; i++) _template.CopyTo(batch, i * _size);
            try
            {
                while (!_failed)
                {
                    var credits = Interlocked.Exchange(ref _credits, 0);
                    if (credits == 0)
                    {
                        // Wake on credits, or look again now and then to notice the end of the run.
                        await _wake.WaitAsync(50).ConfigureAwait(false);
                        if (!run.Going) break;
                        continue;
                    }
                    var n = run.Take(Math.Min(credits, batchMax));
                    if (credits > n) Interlocked.Add(ref _credits, credits - n);
                    if (n == 0) break;
                    var now = Stopwatch.GetTimestamp();
                    for (var i = 0; i < n; i++)
                    {
                        var seq = _sent + i;
                        BenchMessage.Stamp(batch.AsSpan(i * _size, _size), (ulong)seq);
                        _sentAt[seq % inFlight] = now;
                    }
                    Volatile.Write(ref _sent, _sent + n);
                    await SendAllAsync(socket, batch.AsMemory(0, n * _size)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                if (!run.Stopping.IsCancellationRequested) run.Error($"{target}: {ex.Message}");
                _failed = true;
            }
            finally
            {
                _senderDone = true;
                // Half-close: the echo server answers what is still in flight, then closes, which ends the receiver.
                try { socket.Shutdown(System.Net.Sockets.SocketShutdown.Send); } catch (System.Net.Sockets.SocketException) { } catch (ObjectDisposedException) { }
            }
        }

        private async Task ReceiveLoopAsync()
        {
            var socket = traced.Socket;
            var buffer = new byte[Math.Max(ReceiveBuffer, _size * 2)];
            var have = 0;
            long received = 0;
            try
            {
                while (!_failed)
                {
                    if (_senderDone && received >= Volatile.Read(ref _sent)) break;
                    var n = await socket.ReceiveAsync(buffer.AsMemory(have), System.Net.Sockets.SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        if (received < Volatile.Read(ref _sent)) run.Error($"{target} closed the connection with {Volatile.Read(ref _sent) - received} messages unanswered");
                        _failed = true;
                        break;
                    }
                    have += n;
                    var whole = have / _size;
                    var now = Stopwatch.GetTimestamp();
                    var recording = run.Recording;
                    var good = 0;
                    while (good < whole && BenchMessage.Check(buffer.AsSpan(good * _size, _size), (ulong)(received + good), _template))
                    {
                        if (recording) run.RecordLatency(BenchRun.Nanos(now - _sentAt[(received + good) % inFlight]));
                        good++;
                    }
                    if (recording && good > 0)
                    {
                        run.Counters.AddMessages(good);
                        run.Counters.AddSent((long)good * _size);
                        run.Counters.AddReceived((long)good * _size);
                    }
                    if (good < whole)
                    {
                        run.Mismatch($"the echo of message {received + good} from {target} differs from what was sent");
                        _failed = true;
                        return;
                    }
                    received += whole;
                    var rest = have - whole * _size;
                    if (rest > 0) Buffer.BlockCopy(buffer, whole * _size, buffer, 0, rest);
                    have = rest;
                    if (whole > 0)
                    {
                        if (Interlocked.Add(ref _credits, whole) == whole) _wake.Release();
                    }
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                if (!run.Stopping.IsCancellationRequested) run.Error($"{target}: {ex.Message}");
                _failed = true;
            }
            finally
            {
                _failed = true;
                _wake.Release();
            }
        }
    }
}
