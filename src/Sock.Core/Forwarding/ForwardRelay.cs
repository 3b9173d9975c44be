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
    public static async Task RunAsync(ForwardSession session, ForwardObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var client = session.Client ?? throw new ArgumentException("a UDP session has no legs to relay", nameof(session));
        var target = session.Target ?? throw new ArgumentException("the session has no target leg yet", nameof(session));
        var dump = observer is { ObservesData: true } ? observer : null;
        var up = PumpAsync(session, client, target, ForwardDirection.ToTarget, dump);
        var down = PumpAsync(session, target, client, ForwardDirection.ToClient, dump);
        await Task.WhenAll(up, down).ConfigureAwait(false);
        session.Close("closed");
    }

    private static async Task PumpAsync(ForwardSession session, ForwardLeg from, ForwardLeg to, ForwardDirection direction, ForwardObserver? dump)
    {
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
                    dump?.Data(session, direction, buffer);
                    var length = buffer.Length;
                    foreach (var segment in buffer) output.Write(segment.Span);
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
