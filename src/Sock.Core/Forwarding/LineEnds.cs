using System.Buffers;

namespace Sock.Core.Forwarding;

/// <summary>
/// socat's conversion between a crlf side and a plain one: from a crlf side every CR is dropped (CR LF becomes LF);
/// towards one every LF becomes CR LF.
/// </summary>
internal static class LineEnds
{
    public static byte[] Convert(ReadOnlySequence<byte> data, bool fromCrlf)
    {
        var into = new byte[fromCrlf ? data.Length : data.Length * 2];
        var n = 0;
        foreach (var segment in data)
        {
            foreach (var b in segment.Span)
            {
                if (fromCrlf)
                {
                    if (b != (byte)'\r') into[n++] = b;
                }
                else if (b == (byte)'\n')
                {
                    into[n++] = (byte)'\r';
                    into[n++] = (byte)'\n';
                }
                else into[n++] = b;
            }
        }
        return n == into.Length ? into : into[..n];
    }
}
