using System.Buffers.Binary;
using System.Runtime.CompilerServices;

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

    // Stamp and Check run once per message in the pipeline's hot loop: no stackalloc (it would bar inlining and add a
    // stack cookie check to every call), one 8-byte store or compare for the number and a vectorised compare for the rest.

    /// <summary>Writes <paramref name="seq"/> into a message made from <see cref="Template"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stamp(Span<byte> message, ulong seq)
    {
        if (message.Length >= SeqBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(message, seq);
            return;
        }
        for (var i = 0; i < message.Length; i++) message[i] = (byte)(seq >> (8 * i));
    }

    /// <summary>True when <paramref name="got"/> is message <paramref name="seq"/> of the template's size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Check(ReadOnlySpan<byte> got, ulong seq, ReadOnlySpan<byte> template)
    {
        if (got.Length != template.Length) return false;
        if (got.Length >= SeqBytes)
            return BinaryPrimitives.ReadUInt64LittleEndian(got) == seq && got[SeqBytes..].SequenceEqual(template[SeqBytes..]);
        for (var i = 0; i < got.Length; i++)
        {
            if (got[i] != (byte)(seq >> (8 * i))) return false;
        }
        return true;
    }

    private static byte Pattern(int i) => (byte)(33 + (i * 7 % 94));
}
