using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;

namespace Sock.Core.Benchmarking;

/// <summary>
/// Connections opened and closed as fast as the loop allows (or at a rate): each worker connects, records how long
/// connect took, and closes. The first connect is made during setup, so a refused target fails at once.
/// </summary>
internal sealed class ConnectWorkload : BenchWorkload
{
    private BenchOptions _options = null!;
    private string _target = "";

    public override string Peer => "any listener";

    public override int InFlight => 1;

    public override async Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _options = options;
        _target = EndpointText.Format(options.Target);
        // One probe connection through the traced path: a refused or unreachable target is one clear error.
        using var probe = await BenchConnector.ConnectAsync(options.Target, trace, options.ConnectTimeout, cancellationToken, options.Proxy).ConfigureAwait(false);
    }

    public override Task RunAsync(BenchRun run) =>
        Task.WhenAll(Enumerable.Range(0, _options.Connections).Select(i => Task.Run(() => WorkerAsync(run, i))));

    private async Task WorkerAsync(BenchRun run, int index)
    {
        var target = _options.Target;
        var protocol = target.AddressFamily == System.Net.Sockets.AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp;
        long n = 0;
        while (run.Take(1, out var measured) == 1)
        {
            var intended = run.IntendedTicks(index, n++);
            if (intended is { } due) await run.WaitUntilAsync(due).ConfigureAwait(false);
            if (run.Stopping.IsCancellationRequested) break;
            var start = BenchRun.Now;
            var from = intended is { } i && i < start ? i : start;
            var recording = measured;
            // Through a proxy, a connection is the TCP connect and the proxy's handshake, made by the proxy connector.
            using var socket = _options.Proxy is null ? new Socket(target.AddressFamily, SocketType.Stream, protocol) : null;
            // A connect still in flight at the deadline (a SYN the listener's full backlog dropped waits a second or
            // more for its retry) is given up there: the run ends when it was asked to, not a retry later.
            var timeout = _options.ConnectTimeout;
            var untilEnd = run.EndTicks == long.MaxValue ? timeout : TimeSpan.FromSeconds(BenchRun.Seconds(run.EndTicks - start));
            var deadlineFirst = untilEnd < timeout;
            try
            {
                if (deadlineFirst && untilEnd <= TimeSpan.Zero) break;
                using var cts = new CancellationTokenSource(deadlineFirst ? untilEnd : timeout);
                if (socket is not null) await socket.ConnectAsync(target, cts.Token).ConfigureAwait(false);
                else (await BenchConnector.ConnectAsync(target, null, deadlineFirst ? untilEnd : timeout, cts.Token, _options.Proxy).ConfigureAwait(false)).Dispose();
                var took = BenchRun.Now - from;
                if (recording)
                {
                    run.Counters.AddMessages(1);
                    run.RecordLatency(BenchRun.Nanos(took));
                }
            }
            catch (OperationCanceledException) when (deadlineFirst)
            {
                // Cut off by the end of the run, not failed: neither a connection nor an error.
                break;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or Errors.SockException)
            {
                var why = ex switch
                {
                    SocketException se => SocketErrorText.Describe(se.SocketErrorCode),
                    Errors.SockException sock => sock.Message,
                    _ => "timed out",
                };
                run.Error(ex is Errors.SockException ? why : $"connect to {_target} failed: {why}");
                // Out of ports or refused: do not spin.
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
