using System.Buffers;
using System.Text;

namespace Sock.Core.Serving.Services;

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

    internal static SmallService Create(Action<ServiceMessage>? messages) => new(
        "hello", 8080, "the seed example", "reads a message, prints it, replies \"Hello from server\"",
        connection => ServeAsync(connection, messages),
        datagram =>
        {
            messages?.Invoke(new ServiceMessage(datagram.Service, datagram.Remote, Decode(new ReadOnlySequence<byte>(datagram.Payload))));
            return datagram.ReplyAsync(ReplyBytes);
        });

    /// <summary>Serves one exchange on a stream connection.</summary>
    public static async ValueTask ServeAsync(ServerConnection connection, Action<ServiceMessage>? messages)
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
                messages?.Invoke(new ServiceMessage(connection.Service, connection.RemoteEndPoint, Decode(line)));
                input.AdvanceTo(buffer.Start);
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
