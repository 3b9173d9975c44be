using System.Buffers;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>
/// RFC 864: lines of 72 printable ASCII characters (the 95 from ' ' to '~'), each starting one character later
/// than the one before, CRLF-terminated; the pattern repeats every 95 lines. Over TCP it sends until the client
/// closes; over UDP it answers each datagram with one of random length from 0 to 512.
/// </summary>
public static class ChargenService
{
    /// <summary>Characters per line, CRLF excluded.</summary>
    public const int LineLength = 72;

    /// <summary>The printable ASCII characters the lines rotate through.</summary>
    public const int Printable = 95;

    /// <summary>Longest UDP reply.</summary>
    public const int MaxDatagram = 512;

    private const int LineBytes = LineLength + 2;

    // Two full cycles, so any line start plus 512 bytes is one contiguous slice.
    private static readonly byte[] Pattern = BuildPattern(2 * Printable);
    private static int _nextDatagramLine;

    /// <summary>Line <paramref name="index"/> of the pattern (0: " !\"#…"), CRLF excluded.</summary>
    public static string Line(int index)
    {
        var chars = new char[LineLength];
        for (var i = 0; i < LineLength; i++) chars[i] = (char)(' ' + (index + i) % Printable);
        return new string(chars);
    }

    /// <summary>
    /// Chargen on the raw path: the pattern is sent straight from its static buffer, a cycle (95 lines) per send, whenever
    /// the socket has room, until the client closes or the server stops; what arrives is dropped.
    /// </summary>
    public static ReceiveHandler Receiver { get; } = new ChargenProducer();

    /// <summary>Sends the pattern over the connection's pipes until the client closes or the server stops. Input is not read (the RFC discards it).</summary>
    public static async ValueTask ServeAsync(Connection connection)
    {
        var cycle = Pattern.AsMemory(0, Printable * LineBytes);
        while (!connection.Stopping.IsCancellationRequested)
        {
            connection.Output.Write(cycle.Span);
            var flush = await connection.Output.FlushAsync(connection.Stopping).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled) return;
        }
    }

    /// <summary>Answers a datagram with 0–512 bytes of the pattern, each reply starting at the next line.</summary>
    public static ValueTask ServeAsync(ReceivedDatagram datagram)
    {
        var length = Random.Shared.Next(MaxDatagram + 1);
        var line = (int)((uint)Interlocked.Increment(ref _nextDatagramLine) % Printable);
        return datagram.ReplyAsync(Pattern.AsMemory(line * LineBytes, length));
    }

    private static byte[] BuildPattern(int lines)
    {
        var bytes = new byte[lines * LineBytes];
        for (var l = 0; l < lines; l++)
        {
            for (var i = 0; i < LineLength; i++) bytes[l * LineBytes + i] = (byte)(' ' + (l + i) % Printable);
            bytes[l * LineBytes + LineLength] = (byte)'\r';
            bytes[l * LineBytes + LineLength + 1] = (byte)'\n';
        }
        return bytes;
    }

    private sealed class ChargenProducer : ReceiveHandler
    {
        public override bool Produces => true;

        public override void OnReceived(Connection connection, ReadOnlySpan<byte> data)
        {
        }

        public override bool Produce(Connection connection)
        {
            if (connection.Stopping.IsCancellationRequested) return false;
            connection.Send(Pattern.AsSpan(0, Printable * LineBytes));
            return true;
        }

        protected override ValueTask ServeOverPipesAsync(Connection connection) => ServeAsync(connection);
    }
}
