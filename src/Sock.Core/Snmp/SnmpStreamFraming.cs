using System.Buffers;

namespace Sock.Core.Snmp;

/// <summary>
/// RFC 3430's framing of SNMP over a stream: messages back to back, each one whole BER SEQUENCE whose own length says
/// where it ends. Only the outer tag and length are read here (the message itself is decoded as a datagram's would
/// be); a frame that does not start with a SEQUENCE, uses an indefinite or over-long length, or is longer than the
/// maximum is an error that closes the connection, so nothing is buffered beyond one maximum-size message.
/// </summary>
internal static class SnmpStreamFraming
{
    /// <summary>The largest message taken over a stream: 65535 bytes, as net-snmp's (and UDP's) bound.</summary>
    public const int MaxMessageSize = 65535;

    /// <summary>
    /// The length of the whole first frame in <paramref name="data"/> (tag, length and content), 0 when more bytes are
    /// needed to tell, or -1 with <paramref name="error"/> when the stream cannot be framed.
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> data, out string? error)
    {
        error = null;
        if (data.Length == 0) return 0;
        if (data[0] != 0x30) { error = $"a frame starts with tag 0x{data[0]:x2}, not a SEQUENCE (0x30)"; return -1; }
        if (data.Length < 2) return 0;
        var first = data[1];
        int content, header;
        if (first < 0x80) { content = first; header = 2; }
        else if (first == 0x80) { error = "an indefinite length (BER's 0x80) cannot frame a message"; return -1; }
        else
        {
            var count = first & 0x7f;
            if (count > 3) { error = $"a {count}-byte length is beyond the largest message ({MaxMessageSize} bytes)"; return -1; }
            if (data.Length < 2 + count) return 0;
            content = 0;
            for (var i = 0; i < count; i++) content = (content << 8) | data[2 + i];
            header = 2 + count;
        }
        var total = header + content;
        if (total > MaxMessageSize) { error = $"a {total}-byte message is beyond the largest taken ({MaxMessageSize} bytes)"; return -1; }
        return total;
    }

    /// <summary>The frame length of the first message in <paramref name="buffer"/>, as <see cref="FrameLength(ReadOnlySpan{byte}, out string?)"/>.</summary>
    public static int FrameLength(in ReadOnlySequence<byte> buffer, out string? error)
    {
        Span<byte> head = stackalloc byte[5];
        var n = (int)Math.Min(head.Length, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        return FrameLength(head[..n], out error);
    }
}
