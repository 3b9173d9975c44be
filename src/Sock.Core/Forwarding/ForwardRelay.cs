using System.Buffers;
using System.IO.Pipelines;

namespace Sock.Core.Forwarding;

/// <summary>
/// The relay of one forwarded pair: two pumps over the legs' pipes, client → target and target → client, each copying what
/// one side sent into the other's output and waiting on its flush (a side that reads slowly holds up the side that
/// sends to it: back-pressure, never a growing buffer). An orderly end of stream on one side is passed on as one
/// (FIN → SHUT_WR on the other leg) and the other direction goes on; a reset is passed on as a reset, and ends both.
/// </summary>
public static class ForwardRelay
{
    /// <summary>
    /// Relays <paramref name="session"/>'s client and target until both directions are done; reports the bytes to
    /// <paramref name="observer"/> when it observes data. Sets the session's close reason (the first end) and closes it.
    /// The legs are not disposed here: they are the caller's.
    /// </summary>
    public static Task RunAsync(ForwardSession session, ForwardObserver? observer = null) => RunAsync(session, observer, ForwardRelayOptions.Default);

    /// <summary>
    /// As <see cref="RunAsync(ForwardSession, ForwardObserver?)"/>, with socat's relay options: one way only, an idle
    /// limit, a limit on the other way's silence once one way has ended, crlf on either side. A pair ended by a limit is
    /// closed on both sides (not reset), with the limit as its close reason.
    /// </summary>
    internal static async Task RunAsync(ForwardSession session, ForwardObserver? observer, ForwardRelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        var client = session.Client ?? throw new ArgumentException("a UDP session has no legs to relay", nameof(session));
        var target = session.Target ?? throw new ArgumentException("the session has no target leg yet", nameof(session));
        var dump = observer is { ObservesData: true } ? observer : null;
        if (client is SpliceLeg splicedClient && target is SpliceLeg splicedTarget)
        {
            // Both legs are sockets made to be spliced (Linux; made so only when nothing needs to see the bytes): the
            // kernel moves them, with the same rules as the pumps below.
            if (!OperatingSystem.IsLinux() || dump is not null || !options.IsDefault)
                throw new InvalidOperationException("spliced legs relay plain bytes both ways only");
            await SpliceRelay.RunAsync(session, splicedClient, splicedTarget).ConfigureAwait(false);
            session.Close("closed");
            return;
        }
        if (options.IsDefault)
        {
            var up = PumpAsync(session, client, target, ForwardDirection.ToTarget, dump, null);
            var down = PumpAsync(session, target, client, ForwardDirection.ToClient, dump, null);
            await Task.WhenAll(up, down).ConfigureAwait(false);
            session.Close("closed");
            return;
        }
        var clock = new RelayClock(options);
        var pending = new List<Task>(2);
        if (options.ToTarget) pending.Add(PumpAsync(session, client, target, ForwardDirection.ToTarget, dump, clock));
        var toClient = options.ToClient ? PumpAsync(session, target, client, ForwardDirection.ToClient, dump, clock) : null;
        if (toClient is not null) pending.Add(toClient);
        var oneWay = pending.Count == 1;
        var ending = false;
        while (pending.Count > 0)
        {
            var limit = ending ? options.CloseTimeout : options.IdleTimeout;
            var wait = Timeout.InfiniteTimeSpan;
            if (limit is { } l)
            {
                wait = l - clock.SinceLastActivity;
                if (wait <= TimeSpan.Zero)
                {
                    // A limit ran out: both sides are closed, and the pumps end on their aborted pipes.
                    var reason = ending ? "nothing more within the close timeout after one side ended" : "idle timeout";
                    session.SetReason(reason);
                    client.Abort(reason, reset: false);
                    target.Abort(reason, reset: false);
                    await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                    break;
                }
            }
            using var tick = new CancellationTokenSource();
            var timer = Task.Delay(wait, tick.Token);
            var done = await Task.WhenAny([.. pending, timer]).ConfigureAwait(false);
            await tick.CancelAsync().ConfigureAwait(false);
            if (done == timer) continue;
            pending.Remove(done);
            if (options.EndWithTarget && done == toClient)
            {
                // The target's answer is complete and its end passed on: what the client still sends goes nowhere.
                client.Transport.Input.CancelPendingRead();
                await Task.WhenAll(pending).ConfigureAwait(false);
                break;
            }
            // One way has ended (its end passed on): the other may go on, within the close timeout; a one-way relay is done.
            ending = true;
            clock.Touch();
            if (oneWay) break;
        }
        session.Close("closed");
    }

    /// <summary>When a limited relay last moved anything.</summary>
    private sealed class RelayClock(ForwardRelayOptions options)
    {
        private long _last = System.Diagnostics.Stopwatch.GetTimestamp();

        public ForwardRelayOptions Options => options;

        public TimeSpan SinceLastActivity => System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _last));

        public void Touch() => Volatile.Write(ref _last, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private static async Task PumpAsync(ForwardSession session, ForwardLeg from, ForwardLeg to, ForwardDirection direction, ForwardObserver? dump,
        RelayClock? clock)
    {
        // crlf on one side only: the bytes are converted on the way (socat's cv_newline).
        var fromCrlf = clock is not null && (direction == ForwardDirection.ToTarget ? clock.Options.ClientCrlf : clock.Options.TargetCrlf);
        var toCrlf = clock is not null && (direction == ForwardDirection.ToTarget ? clock.Options.TargetCrlf : clock.Options.ClientCrlf);
        var convert = fromCrlf != toCrlf;
        var input = from.Transport.Input;
        var output = to.Transport.Output;
        var fromName = direction == ForwardDirection.ToTarget ? "client" : "target";
        var toName = direction == ForwardDirection.ToTarget ? "target" : "client";
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    // A leg ended under the relay (aborted): whoever aborted it has ended the other side too.
                    input.AdvanceTo(buffer.Start);
                    return;
                }
                if (!buffer.IsEmpty)
                {
                    clock?.Touch();
                    var length = buffer.Length;
                    if (convert)
                    {
                        var converted = LineEnds.Convert(buffer, fromCrlf);
                        length = converted.Length;
                        if (length > 0) dump?.Data(session, direction, new ReadOnlySequence<byte>(converted));
                        output.Write(converted);
                    }
                    else
                    {
                        dump?.Data(session, direction, buffer);
                        foreach (var segment in buffer) output.Write(segment.Span);
                    }
                    input.AdvanceTo(buffer.End);
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        // The other side is gone while this one still sends: a TCP peer that closed would answer further data
                        // with a reset, so the sender gets one (as it would talking to that peer directly).
                        session.SetReason(to.InputReset ? $"reset by {toName}" : $"{toName} gone");
                        from.Abort($"{toName} gone", reset: true);
                        return;
                    }
                    session.Relayed(direction, length);
                    clock?.Touch();
                }
                else
                {
                    input.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted)
                {
                    if (from.InputReset)
                    {
                        session.SetReason($"reset by {fromName}");
                        to.Abort($"reset by {fromName}", reset: true);
                        return;
                    }
                    session.SetReason($"closed by {fromName}");
                    // Half-close passed on: the other side reads its end of stream and may still answer.
                    await output.CompleteAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // A leg that is not a socket (a program's pipe) failing: end both sides.
            session.SetReason($"{fromName} failed: {ex.Message}");
            to.Abort($"{fromName} failed", reset: false);
            from.Abort($"{fromName} failed", reset: false);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }
}
