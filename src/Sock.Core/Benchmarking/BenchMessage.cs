using System.Buffers.Binary;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The bytes of a benchmark message: an 8-byte little-endian sequence number (as much of it as fits), then a fixed
/// printable pattern. Each echoed message is checked whole against the one sent with that number, so a reply that is
/// short, shifted, reordered or corrupted is seen.
/// </summary>
internal static class BenchMessage
{
    private const int SeqBytes = 8;

    /// <summary>A buffer holding one message of <paramref name="size"/> with sequence 0.</summary>
    public static byte[] Template(int size)
    {
        var b = new byte[size];
        for (var i = 0; i < size; i++) b[i] = Pattern(i);
        Stamp(b, 0);
        return b;
    }

    /// <summary>Writes <paramref name="seq"/> into a message made from <see cref="Template"/>.</summary>
    public static void Stamp(Span<byte> message, ulong seq)
    {
        if (message.Length >= SeqBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(message, seq);
            return;
        }
        Span<byte> s = stackalloc byte[SeqBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(s, seq);
        s[..message.Length].CopyTo(message);
    }

    /// <summary>True when <paramref name="got"/> is message <paramref name="seq"/> of the template's size.</summary>
    public static bool Check(ReadOnlySpan<byte> got, ulong seq, ReadOnlySpan<byte> template)
    {
        if (got.Length != template.Length) return false;
        Span<byte> s = stackalloc byte[SeqBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(s, seq);
        var n = Math.Min(SeqBytes, got.Length);
        return got[..n].SequenceEqual(s[..n]) && got[n..].SequenceEqual(template[n..]);
    }

    private static byte Pattern(int i) => (byte)(33 + (i * 7 % 94));
}
