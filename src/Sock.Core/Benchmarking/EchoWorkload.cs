using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Ping-pong: each connection sends one message, reads the whole reply, checks it byte for byte, records the time, and
/// sends the next. With a rate, each message has an intended send time and its latency counts from then.
/// </summary>
internal sealed class EchoWorkload : BenchWorkload
{
    private List<TracedSocket> _sockets = [];
    private string _target = "";

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _target = EndpointText.Format(options.Target);
        _sockets = await BenchConnector.ConnectManyAsync(options.Target, options.Connections, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
    }

    public override Task RunAsync(BenchRun run) =>
        Task.WhenAll(_sockets.Select((s, i) => Task.Run(() => ConnectionAsync(run, s, i))));

    private async Task ConnectionAsync(BenchRun run, TracedSocket traced, int index)
    {
        var size = run.Options.Size;
        var template = BenchMessage.Template(size);
        var tx = (byte[])template.Clone();
        var rx = new byte[size];
        ulong seq = 0;
        try
        {
            while (run.Take(1, out var measured) == 1)
            {
                var intended = run.IntendedTicks(index, (long)seq);
                if (intended is { } due) await run.WaitUntilAsync(due).ConfigureAwait(false);
                if (run.Stopping.IsCancellationRequested) break;
                BenchMessage.Stamp(tx, seq);
                var sentAt = BenchRun.Now;
                var from = intended is { } i && i < sentAt ? i : sentAt;
                await SendAllAsync(traced, tx).ConfigureAwait(false);
                var recording = measured;
                if (!await ReceiveExactlyAsync(traced, rx).ConfigureAwait(false))
                {
                    run.Error($"{_target} closed the connection before echoing message {seq}");
                    return;
                }
                var latency = BenchRun.Now - from;
                if (!BenchMessage.Check(rx, seq, template))
                {
                    run.Mismatch($"the echo of message {seq} from {_target} differs from what was sent");
                    return;
                }
                if (recording)
                {
                    run.Counters.AddMessages(1);
                    run.Counters.AddSent(size);
                    run.Counters.AddReceived(size);
                    run.RecordLatency(BenchRun.Nanos(latency));
                }
                seq++;
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            if (!run.Stopping.IsCancellationRequested) run.Error($"{_target}: {ex.Message}");
        }
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var s in _sockets) s.Dispose();
        return ValueTask.CompletedTask;
    }
}
