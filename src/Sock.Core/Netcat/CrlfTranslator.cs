namespace Sock.Core.Netcat;

/// <summary>-C: turns each LF that is not already after a CR into CRLF, across chunk boundaries.</summary>
internal sealed class CrlfTranslator
{
    private bool _lastWasCr;

    /// <summary>
    /// Translates <paramref name="input"/>; the result is <paramref name="input"/> itself when it has no bare LF,
    /// otherwise a slice of <paramref name="scratch"/> (which must be twice the input's length).
    /// </summary>
    public ReadOnlyMemory<byte> Translate(ReadOnlyMemory<byte> input, byte[] scratch)
    {
        var span = input.Span;
        if (span.IsEmpty) return input;
        var bare = false;
        var prevCr = _lastWasCr;
        foreach (var b in span)
        {
            if (b == (byte)'\n' && !prevCr) { bare = true; break; }
            prevCr = b == (byte)'\r';
        }
        if (!bare)
        {
            _lastWasCr = span[^1] == (byte)'\r';
            return input;
        }
        var n = 0;
        prevCr = _lastWasCr;
        foreach (var b in span)
        {
            if (b == (byte)'\n' && !prevCr) scratch[n++] = (byte)'\r';
            scratch[n++] = b;
            prevCr = b == (byte)'\r';
        }
        _lastWasCr = prevCr;
        return scratch.AsMemory(0, n);
    }
}
