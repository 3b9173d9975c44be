using System.Buffers.Binary;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The header every benchmark datagram carries: "SKU1", the session cookie, a sequence number and the intended send
/// time (nanoseconds on the sender's clock). 24 bytes; the rest of the datagram is padding.
/// </summary>
internal static class UdpDatagram
{
    public const int HeaderLength = 24;
    private const uint Magic = 0x31554B53; // "SKU1" little-endian

    public static void Write(Span<byte> datagram, uint cookie, long seq, long sentNanos)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram[4..], cookie);
        BinaryPrimitives.WriteInt64LittleEndian(datagram[8..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(datagram[16..], sentNanos);
    }

    public static bool TryRead(ReadOnlySpan<byte> datagram, out uint cookie, out long seq, out long sentNanos)
    {
        cookie = 0; seq = 0; sentNanos = 0;
        if (datagram.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(datagram) != Magic) return false;
        cookie = BinaryPrimitives.ReadUInt32LittleEndian(datagram[4..]);
        seq = BinaryPrimitives.ReadInt64LittleEndian(datagram[8..]);
        sentNanos = BinaryPrimitives.ReadInt64LittleEndian(datagram[16..]);
        return seq >= 0;
    }
}
