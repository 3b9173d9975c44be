using System.Buffers;
using System.Text;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>
/// The seed example's server: read a message (one line, or what the first read brings when it has no newline, as the
/// C example's single read() does), report it, reply "Hello from server", close.
/// </summary>
public static class HelloService
{
    /// <summary>The reply, exactly as the seed's C server sends it (no newline).</summary>
    public const string Reply = "Hello from server";

    /// <summary>The longest message accepted when no line limit is set.</summary>
    public const int DefaultMaxMessage = 64 * 1024;

    private static readonly byte[] ReplyBytes = Encoding.ASCII.GetBytes(Reply);

    internal static SmallService Create(Func<ServiceMessage, ValueTask>? messages) => new(
        "hello", 8080, "the seed example", "reads a message, prints it, replies \"Hello from server\"",
        connection => ServeAsync(connection, messages),
        async datagram =>
        {
            if (messages is not null)
                await messages(new ServiceMessage(datagram.Service, datagram.Remote, Decode(new ReadOnlySequence<byte>(datagram.Payload)))).ConfigureAwait(false);
            await datagram.ReplyAsync(ReplyBytes).ConfigureAwait(false);
        });

    /// <summary>
    /// Serves one exchange on a stream connection. <paramref name="messages"/> is awaited before the reply: a sink that
    /// cannot keep up (stdout into a pipe read slowly) holds this connection back, not the I/O thread it runs on.
    /// </summary>
    public static async ValueTask ServeAsync(Connection connection, Func<ServiceMessage, ValueTask>? messages)
    {
        var max = connection.MaxLineLength > 0 ? connection.MaxLineLength : DefaultMaxMessage;
        var input = connection.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = LineReader.TryRead(ref buffer, max, out var line);
            if (status == LineStatus.Incomplete && !buffer.IsEmpty)
            {
                // No newline: the message is what has arrived, as one read() in the C server would take it.
                if (buffer.Length > max) status = LineStatus.TooLong;
                else
                {
                    line = buffer;
                    buffer = buffer.Slice(buffer.End);
                    status = LineStatus.Line;
                }
            }
            if (status == LineStatus.TooLong)
            {
                connection.SetCloseReason($"line longer than {max} bytes");
                input.AdvanceTo(buffer.End);
                return;
            }
            if (status == LineStatus.Line)
            {
                var text = Decode(line);
                input.AdvanceTo(buffer.Start);
                if (messages is not null)
                    await messages(new ServiceMessage(connection.Service, connection.RemoteEndPoint, text)).ConfigureAwait(false);
                connection.Output.Write(ReplyBytes);
                await connection.Output.FlushAsync().ConfigureAwait(false);
                return;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled) return;
        }
    }

    private static string Decode(in ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\r', '\n');
}
