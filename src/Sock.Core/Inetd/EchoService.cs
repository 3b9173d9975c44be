using System.Buffers;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>RFC 862: whatever arrives goes back. On streams, with a line limit set, it works line by line and closes on an oversized line.</summary>
public static class EchoService
{
    /// <summary>
    /// Echo on the raw receive path: each receive is sent back with one send() from the buffer it arrived in, on the
    /// I/O thread; a peer that does not read stops the receiving after one answer. With a line limit the connection is
    /// served over the pipes instead (<see cref="ServeAsync(Connection)"/>), which parse lines.
    /// </summary>
    public static ReceiveHandler Receiver { get; } = new EchoReceiver();

    /// <summary>Echoes a stream connection over its pipes until the peer closes it: each read is sent from the blocks it arrived in when the socket takes it at once (copied into the output otherwise); allocates nothing per read.</summary>
    public static async ValueTask ServeAsync(Connection connection)
    {
        if (connection.MaxLineLength > 0)
        {
            await ServeLinesAsync(connection).ConfigureAwait(false);
            return;
        }
        var input = connection.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            // Sent from the input's own blocks where the socket takes it at once (no copy); released after.
            var sent = buffer.IsEmpty ? default : await connection.SendAsync(buffer).ConfigureAwait(false);
            input.AdvanceTo(buffer.End);
            if (sent.IsCompleted) return;
            if (result.IsCompleted || result.IsCanceled) return;
        }
    }

    /// <summary>Sends the datagram back to its sender.</summary>
    public static ValueTask ServeAsync(ReceivedDatagram datagram) => datagram.ReplyAsync(datagram.Payload);

    private static async ValueTask ServeLinesAsync(Connection connection)
    {
        var input = connection.Input;
        var output = connection.Output;
        var max = connection.MaxLineLength;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var wrote = false;
            while (true)
            {
                var before = buffer;
                var status = LineReader.TryRead(ref buffer, max, out _);
                if (status == LineStatus.TooLong)
                {
                    connection.SetCloseReason($"line longer than {max} bytes");
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (wrote) await output.FlushAsync().ConfigureAwait(false);
                    return;
                }
                if (status == LineStatus.Incomplete) break;
                foreach (var segment in before.Slice(0, buffer.Start)) output.Write(segment.Span);
                wrote = true;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (wrote && (await output.FlushAsync().ConfigureAwait(false)).IsCompleted) return;
            if (result.IsCompleted || result.IsCanceled)
            {
                // A last line without a newline still goes back.
                foreach (var segment in buffer) output.Write(segment.Span);
                return;
            }
        }
    }

    private sealed class EchoReceiver : ReceiveHandler
    {
        public override bool Accepts(Connection connection) => connection.MaxLineLength == 0;

        public override void OnReceived(Connection connection, ReadOnlySpan<byte> data) => connection.Send(data);

        protected override ValueTask ServeOverPipesAsync(Connection connection) => ServeAsync(connection);
    }
}
