using System.Buffers;

namespace Sock.Core.Serving;

/// <summary>What <see cref="LineReader.TryRead"/> found.</summary>
public enum LineStatus
{
    /// <summary>A whole line; the buffer was advanced past its newline.</summary>
    Line,

    /// <summary>No newline yet, and what is buffered is within the limit: read more.</summary>
    Incomplete,

    /// <summary>The line is longer than the limit: close the connection with a reason.</summary>
    TooLong,
}

/// <summary>
/// Frames lines ending in LF (a CR before it is dropped) out of a pipe's buffer, with a length limit so a peer that
/// never sends a newline cannot make the server buffer without bound.
/// </summary>
public static class LineReader
{
    /// <summary>
    /// Takes one line off the front of <paramref name="buffer"/>. <paramref name="maxLength"/> is the longest line
    /// accepted, newline excluded (0: no limit).
    /// </summary>
    public static LineStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return maxLength > 0 && buffer.Length > maxLength ? LineStatus.TooLong : LineStatus.Incomplete;
        }
        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        if (!line.IsEmpty && EndsWithCarriageReturn(line)) line = line.Slice(0, line.Length - 1);
        return maxLength > 0 && line.Length > maxLength ? LineStatus.TooLong : LineStatus.Line;
    }

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}
