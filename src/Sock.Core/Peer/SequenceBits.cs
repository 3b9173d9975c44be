namespace Sock.Core.Peer;

/// <summary>
/// One bit per packet number over a ring of <see cref="Span"/> numbers: which packets a receiver holds past a gap, or
/// which a sender has seen selectively acknowledged. Any 64 consecutive numbers are read or set as one word, so an
/// ACK's blocks are built and taken apart a word at a time rather than a packet at a time. The caller keeps every set
/// bit inside one span of numbers (a receiver's horizon, a sender's window) and clears a bit once its packet leaves
/// that span, so a number and the one a ring further on never meet.
/// </summary>
internal sealed class SequenceBits
{
    /// <summary>Numbers the ring tells apart: a power of two, a multiple of 64.</summary>
    public const int Span = ReliableStream.ReceiveHorizon;

    private const int Mask = Span / 64 - 1;
    private readonly ulong[] _words = new ulong[Span / 64];

    public bool this[uint seq] => (_words[(int)(seq >> 6) & Mask] & (1UL << (int)(seq & 63))) != 0;

    public void Set(uint seq) => _words[(int)(seq >> 6) & Mask] |= 1UL << (int)(seq & 63);

    public void Clear(uint seq) => _words[(int)(seq >> 6) & Mask] &= ~(1UL << (int)(seq & 63));

    /// <summary>Clears the numbers from <paramref name="from"/> up to, not including, <paramref name="to"/>.</summary>
    public void Clear(uint from, uint to)
    {
        for (var seq = from; seq != to;)
        {
            var shift = (int)(seq & 63);
            var count = (int)Math.Min(64 - shift, to - seq);
            var bits = count == 64 ? ulong.MaxValue : ((1UL << count) - 1) << shift;
            _words[(int)(seq >> 6) & Mask] &= ~bits;
            seq += (uint)count;
        }
    }

    /// <summary>The 64 bits from <paramref name="start"/>: bit i is packet start + i.</summary>
    public ulong Read64(uint start)
    {
        var word = (int)(start >> 6) & Mask;
        var shift = (int)(start & 63);
        var low = _words[word] >> shift;
        return shift == 0 ? low : low | _words[(word + 1) & Mask] << (64 - shift);
    }

    /// <summary>Sets the packets whose bits are set in <paramref name="bits"/> (bit i is packet start + i).</summary>
    public void Or64(uint start, ulong bits)
    {
        var word = (int)(start >> 6) & Mask;
        var shift = (int)(start & 63);
        _words[word] |= bits << shift;
        if (shift != 0) _words[(word + 1) & Mask] |= bits >> (64 - shift);
    }
}
