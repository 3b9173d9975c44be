using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Numbered, timestamped datagrams at a target rate. To a <c>sock bench --server --udp</c> the server counts what
/// arrived (one way) and reports over the control connection; with --echo any UDP echo server sends them back and
/// this side counts the round trip, with round-trip latency from the intended send time.
/// </summary>
internal sealed class UdpWorkload : BenchWorkload
{
    /// <summary>Datagrams per second when no rate is given.</summary>
    public const double DefaultRate = 1000;

    private static readonly TimeSpan Drain = TimeSpan.FromMilliseconds(500);
    private readonly UdpSequenceStats _echoed = new();
    private TracedSocket? _control;
    private TracedSocket? _udp;
    private BenchOptions _options = null!;
    private string _target = "";
    private uint _cookie;
    private long _sent;

    public override string Peer => _options.UdpEcho ? "UDP echo server (round trip)" : "sock bench server (one way)";

    public override int InFlight => 0;

    public override bool MeasuresLatency => _options.UdpEcho;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _options = options;
        _target = EndpointText.Format(options.Target);
        if (options.Target is not IPEndPoint)
            throw SockException.Usage("bench udp", _target, "needs a HOST PORT target (UDP over a Unix socket path is not measured)");
        _cookie = (uint)Random.Shared.Next();
        if (!options.UdpEcho)
        {
            var control = await BenchConnector.ConnectAsync(options.Target, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
            string? reply = null;
            try
            {
                await BenchControl.WriteLineAsync(control.Socket, string.Create(CultureInfo.InvariantCulture,
                    $"{BenchControl.Magic} UDP cookie={_cookie:x8} size={options.Size}"), cancellationToken).ConfigureAwait(false);
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                reply = await BenchControl.ReadLineAsync(control.Socket, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException && !cancellationToken.IsCancellationRequested)
            {
                reply = null;
            }
            if (reply is null || !reply.StartsWith(BenchControl.Magic + " OK", StringComparison.Ordinal))
            {
                control.Dispose();
                var why = reply is not null && reply.StartsWith(BenchControl.Magic + " ERR", StringComparison.Ordinal)
                    ? "the server refused: " + reply[(BenchControl.Magic.Length + 5)..]
                    : "is not a sock bench server (udp mode needs 'sock bench --server --udp' there, or --echo for any UDP echo server)";
                throw new SockException(SockErrorKind.Network, "bench", _target, why);
            }
            _control = control;
        }
        _udp = TracedSocket.CreateFor(options.Target, SocketType.Dgram, trace);
        _udp.Socket.ReceiveBufferSize = 4 << 20;
        _udp.Socket.SendBufferSize = 4 << 20;
        await _udp.ConnectAsync(options.Target, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
    }

    public override async Task RunAsync(BenchRun run)
    {
        using var stopReceiving = new CancellationTokenSource();
        var receiver = _options.UdpEcho ? Task.Run(() => ReceiveEchoesAsync(run, stopReceiving.Token)) : Task.CompletedTask;
        await SendAsync(run).ConfigureAwait(false);
        if (_options.UdpEcho)
        {
            run.MarkSendingEnd();
            // Datagrams still on their way back get a moment to arrive before the count is taken.
            await Task.Delay(Drain).ConfigureAwait(false);
            await stopReceiving.CancelAsync().ConfigureAwait(false);
            await receiver.ConfigureAwait(false);
            var s = _echoed.Snapshot();
            Udp = Summary(_sent, s.Received, s.Delivered, s.Duplicated, s.Reordered, s.JitterNanos, "echo");
        }
    }

    private async Task SendAsync(BenchRun run)
    {
        var socket = _udp!.Socket;
        var size = Math.Max(_options.Size, UdpDatagram.HeaderLength);
        var datagram = BenchMessage.Template(size);
        var rate = _options.Rate ?? DefaultRate;
        var gap = System.Diagnostics.Stopwatch.Frequency / rate;
        long index = 0;
        long seq = 0;
        var early = BenchRun.Ticks(TimeSpan.FromMilliseconds(1));
        try
        {
            while (run.Take(1, out var measured) == 1)
            {
                var due = run.StartTicks + (long)(index * gap);
                index++;
                // Pacing keeps the average rate exact by the schedule; a datagram may leave up to 1 ms early rather than
                // spin a core waiting for its slot (as iperf3 paces in bursts too).
                var left = due - BenchRun.Now;
                if (left > early)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(BenchRun.Seconds(left - early / 2)), run.Stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                if (run.Stopping.IsCancellationRequested) break;
                var recording = measured;
                // The stamp: one way (server), the real send time, as iperf3 stamps, so jitter is the path's and not
                // our pacing's. Round trip (echo), the intended time when late, so a stall shows (no coordinated
                // omission), and the real time when early.
                var now = BenchRun.Now;
                var stamp = _options.UdpEcho ? Math.Min(due, now) : now;
                // Warm-up datagrams carry -1 and are not counted by either side.
                UdpDatagram.Write(datagram, _cookie, recording ? seq : -1, BenchRun.Nanos(stamp));
                await socket.SendAsync(datagram, SocketFlags.None).ConfigureAwait(false);
                if (!recording) continue;
                seq++;
                run.Counters.AddMessages(1);
                run.Counters.AddSent(size);
            }
        }
        catch (SocketException ex)
        {
            run.Error(ex.SocketErrorCode == SocketError.ConnectionRefused
                ? $"{_target}: connection refused (nothing is listening on that UDP port)"
                : $"{_target}: {ex.Message}");
        }
        _sent = seq;
    }

    private async Task ReceiveEchoesAsync(BenchRun run, CancellationToken stop)
    {
        var socket = _udp!.Socket;
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
                var arrival = BenchRun.Nanos(BenchRun.Now);
                if (!UdpDatagram.TryRead(buffer.AsSpan(0, n), out var cookie, out var seq, out var sentNanos) || cookie != _cookie) continue;
                _echoed.Record(seq, sentNanos, arrival);
                run.Counters.AddReceived(n);
                run.RecordLatency(arrival - sentNanos);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException ex)
        {
            run.Error(ex.SocketErrorCode == SocketError.ConnectionRefused
                ? $"{_target}: connection refused (nothing is listening on that UDP port)"
                : $"{_target}: {ex.Message}");
        }
    }

    public override async Task FinishAsync(BenchRun run, CancellationToken cancellationToken)
    {
        if (_control is null) return;
        try
        {
            await BenchControl.WriteLineAsync(_control.Socket, string.Create(CultureInfo.InvariantCulture, $"DONE sent={_sent}"), cancellationToken).ConfigureAwait(false);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            var line = await BenchControl.ReadLineAsync(_control.Socket, cts.Token).ConfigureAwait(false);
            if (line is null) return;
            var (word, f) = BenchControl.Parse(line);
            if (word != "RESULT") return;
            Udp = Summary(_sent, BenchControl.Number(f, "received"), BenchControl.Number(f, "delivered"), BenchControl.Number(f, "duplicated"),
                BenchControl.Number(f, "reordered"), BenchControl.Real(f, "jitter_ns"), "server");
            PeerBytes = BenchControl.Number(f, "bytes");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            run.Error($"{_target}: the server's result did not arrive ({ex.Message})");
        }
    }

    private static UdpSummary Summary(long sent, long received, long delivered, long duplicated, long reordered, double jitterNanos, string by)
    {
        var lost = Math.Max(0, sent - delivered);
        return new UdpSummary(sent, received, delivered, lost, sent == 0 ? 0 : Math.Round(100.0 * lost / sent, 3), reordered, duplicated,
            Math.Round(jitterNanos / 1e6, 6), by);
    }

    public override ValueTask DisposeAsync()
    {
        _udp?.Dispose();
        _control?.Dispose();
        return ValueTask.CompletedTask;
    }
}
