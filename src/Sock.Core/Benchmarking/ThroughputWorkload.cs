using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Bulk data on N streams. Against a <c>sock bench --server</c> the control connection tells the server what comes and
/// brings back its count (receiver side, or sender side with --reverse); against any other sink only this side's
/// figures exist, and the report says so. A sink that does not answer the greeting keeps that connection as the first
/// data stream: a one-shot listener (nc -l, ncat -l, sock listen) accepts once, and that one accept carries the data.
/// </summary>
internal sealed class ThroughputWorkload : BenchWorkload
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1);
    private readonly List<TracedSocket> _streams = [];
    private TracedSocket? _control;
    private string _target = "";
    private BenchOptions _options = null!;

    public override string Peer => _control is not null ? "sock bench server" : "plain sink (sender side only)";

    public override int InFlight => 0;

    public override bool MeasuresLatency => false;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _options = options;
        _target = EndpointText.Format(options.Target);
        var cookie = Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture);
        var control = await BenchConnector.ConnectAsync(options.Target, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
        var greeting = string.Create(CultureInfo.InvariantCulture,
            $"{BenchControl.Magic} TCP cookie={cookie} streams={options.Connections} reverse={(options.Reverse ? 1 : 0)} size={options.Size} " +
            $"duration_ms={(long)(options.EffectiveDuration?.TotalMilliseconds ?? 0)} count={options.Count ?? 0} warmup_ms={(long)options.Warmup.TotalMilliseconds} " +
            $"interval_ms={(long)options.Interval.TotalMilliseconds}");
        string? reply = null;
        var silent = false;
        try
        {
            await BenchControl.WriteLineAsync(control.Socket, greeting, cancellationToken).ConfigureAwait(false);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(HandshakeTimeout);
            reply = await BenchControl.ReadLineAsync(control.Socket, cts.Token).ConfigureAwait(false);
            // End of stream is no answer either: a sink whose own input is done (nc -l < /dev/null) shuts down its
            // write side and still reads.
            silent = reply is null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No answer, but the connection is open: a plain sink reading (and dropping) what comes.
            silent = true;
        }
        catch (SocketException) when (!cancellationToken.IsCancellationRequested)
        {
            reply = null;
        }
        if (reply is not null && reply.StartsWith(BenchControl.Magic + " OK", StringComparison.Ordinal))
        {
            _control = control;
        }
        else
        {
            if (reply is not null && reply.StartsWith(BenchControl.Magic + " ERR", StringComparison.Ordinal))
            {
                control.Dispose();
                throw new SockException(SockErrorKind.Network, "bench", _target, "the server refused: " + reply[(BenchControl.Magic.Length + 5)..]);
            }
            if (options.Reverse)
            {
                control.Dispose();
                throw new SockException(SockErrorKind.Network, "bench", _target,
                    "is not a sock bench server (--reverse needs one there: sock bench --server PORT)");
            }
            // The sink took the greeting as data: the connection goes on as the first stream, so a listener that
            // accepts only once still gets the data (the greeting's bytes are not counted).
            if (silent) _streams.Add(control);
            else control.Dispose();
        }
        while (_streams.Count < options.Connections)
        {
            TracedSocket s;
            try
            {
                s = await BenchConnector.ConnectAsync(options.Target, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
            }
            catch (SockException ex) when (_control is null && _streams.Count > 0 && ex.SocketError == SocketError.ConnectionRefused)
            {
                throw new SockException(SockErrorKind.Network, "bench", _target,
                    $"the sink accepted {_streams.Count} connection(s), then refused the next: a one-shot listener (nc -l, ncat -l, sock listen) takes one, so use -P {_streams.Count}, or a listener that keeps accepting (-k)",
                    SocketError.ConnectionRefused, ex);
            }
            _streams.Add(s);
            if (_control is not null)
            {
                var preamble = Encoding.ASCII.GetBytes(BenchControl.DataMagic + cookie);
                await SendAllAsync(s, preamble).ConfigureAwait(false);
            }
        }
        if (_control is not null)
            await BenchControl.WriteLineAsync(_control.Socket, "START", cancellationToken).ConfigureAwait(false);
    }

    public override Task RunAsync(BenchRun run) =>
        Task.WhenAll(_streams.Select(s => Task.Run(() => _options.Reverse ? ReceiveStreamAsync(run, s) : SendStreamAsync(run, s))));

    private async Task SendStreamAsync(BenchRun run, TracedSocket traced)
    {
        var socket = traced.Socket;
        var buffer = BenchMessage.Template(_options.Size);
        try
        {
            while (true)
            {
                var n = run.Take(buffer.Length, out var measured);
                if (n == 0) break;
                var sent = await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
                Traced(traced, "send", sent);
                if (measured) run.Counters.AddSent(sent);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!run.Stopping.IsCancellationRequested) run.Error($"{_target}: {ex.Message}");
        }
    }

    private async Task ReceiveStreamAsync(BenchRun run, TracedSocket traced)
    {
        var socket = traced.Socket;
        var buffer = new byte[Math.Max(_options.Size, 128 * 1024)];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                Traced(traced, "recv", n);
                if (n == 0) break;
                if (run.Recording) run.Counters.AddReceived(n);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!run.Stopping.IsCancellationRequested) run.Error($"{_target}: {ex.Message}");
        }
    }

    public override async Task FinishAsync(BenchRun run, CancellationToken cancellationToken)
    {
        if (_control is null) return;
        try
        {
            var mine = _options.Reverse ? run.Counters.BytesReceived : run.Counters.BytesSent;
            await BenchControl.WriteLineAsync(_control.Socket, string.Create(CultureInfo.InvariantCulture, $"DONE bytes={mine}"), cancellationToken).ConfigureAwait(false);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            var line = await BenchControl.ReadLineAsync(_control.Socket, cts.Token).ConfigureAwait(false);
            if (line is null) return;
            var (word, fields) = BenchControl.Parse(line);
            if (word != "RESULT") return;
            PeerBytes = BenchControl.Number(fields, "bytes");
            PeerIntervalBytes = BenchControl.Split(fields.GetValueOrDefault("intervals"));
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            run.Error($"{_target}: the server's result did not arrive ({ex.Message})");
        }
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var s in _streams) s.Dispose();
        _control?.Dispose();
        return ValueTask.CompletedTask;
    }
}
