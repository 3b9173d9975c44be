using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sock.Core.Icmp;

/// <summary>The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words.</summary>
internal static class InternetChecksum
{
    /// <summary>The checksum of <paramref name="data"/>, to store big-endian; over a message that holds its own checksum the result is 0.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data, uint initial = 0)
    {
        // RFC 1071 §2: the sum does not depend on byte order, so it is taken over whole 64-bit words in the machine's
        // order (a flood computes it twice per round trip: a word at a time, not a byte) and swapped once at the end.
        ulong sum = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words)
        {
            var before = sum;
            sum += w;
            if (sum < before) sum++; // end-around carry
        }
        // Down to 33 bits before the tail's half words are added, so they cannot carry out of the 64.
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        var i = words.Length * 8;
        for (; i + 1 < data.Length; i += 2)
            sum += MemoryMarshal.Read<ushort>(data[i..]);
        if (i < data.Length)
            sum += BitConverter.IsLittleEndian ? data[i] : (ulong)data[i] << 8;
        // Fold to 16 bits: 64 → 33 → 17 → 16 (each step's carry folds back in).
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        var native = (ushort)sum;
        uint total = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(native) : native;
        total += initial;
        while (total >> 16 != 0)
            total = (total & 0xFFFF) + (total >> 16);
        return (ushort)~total;
    }
}
