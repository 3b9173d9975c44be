using System.Buffers;
using System.IO.Pipelines;
using Sock.Core.Connections;

namespace Sock.Core.Proxies;

/// <summary>
/// The two directions between a client and its destination, each a copy from one connection's input pipe to the
/// other's output pipe with its backpressure (a slow reader on one side slows the sender on the other; nothing is
/// buffered without bound). End of stream on one side is passed on as a FIN on the other (half-close), and the other
/// direction keeps running until it ends too; a failure on one side (a reset) closes both.
/// </summary>
internal static class ProxyRelay
{
    /// <summary>
    /// Relays until both directions have ended; with <paramref name="endWithDestination"/> (HTTP forwarding, where the
    /// destination's close ends the response) as soon as the destination's direction has.
    /// </summary>
    public static async Task RunAsync(Connection client, Connection destination, ProxySessionState session, bool endWithDestination = false)
    {
        var up = PumpAsync(client.Input, destination.Output, session, up: true, client, destination);
        var down = PumpAsync(destination.Input, client.Output, session, up: false, destination, client);
        if (endWithDestination)
        {
            await down.ConfigureAwait(false);
            client.Input.CancelPendingRead();
        }
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task PumpAsync(PipeReader from, PipeWriter to, ProxySessionState session, bool up, Connection source, Connection sink)
    {
        try
        {
            while (true)
            {
                var r = await from.ReadAsync().ConfigureAwait(false);
                var buffer = r.Buffer;
                if (!buffer.IsEmpty)
                {
                    foreach (var segment in buffer) to.Write(segment.Span);
                    if (up) session.AddUp(buffer.Length);
                    else session.AddDown(buffer.Length);
                }
                from.AdvanceTo(buffer.End);
                if (r.IsCompleted || r.IsCanceled) break;
                var f = await to.FlushAsync().ConfigureAwait(false);
                if (f.IsCompleted || f.IsCanceled)
                {
                    // The sink is gone: stop reading what could not be delivered.
                    await from.CompleteAsync().ConfigureAwait(false);
                    break;
                }
            }
            if (source.PeerReset)
            {
                // A reset is passed on as a reset (no FIN first), as a peer of the proxy would have seen it without one.
                sink.Reset($"{(up ? "client" : "destination")} reset the connection");
                return;
            }
            // End of stream from the source: the sink gets its FIN once what was written has gone.
            await to.FlushAsync().ConfigureAwait(false);
            await to.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // A reset (or a close under the relay) on one side: the other is closed too, not left half open.
            sink.Abort($"{(up ? "client" : "destination")} failed: {ex.Message}");
            source.Abort($"relay stopped: {ex.Message}");
        }
    }
}
