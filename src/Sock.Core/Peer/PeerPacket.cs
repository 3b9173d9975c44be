using System.Buffers.Binary;

namespace Sock.Core.Peer;

/// <summary>The kinds of datagram sock's peer protocol sends (docs/peer-protocol.md).</summary>
internal enum PeerPacketType : byte
{
    /// <summary>A connectivity check: "I am here, answer me".</summary>
    Hello = 1,
    /// <summary>The answer to a check: the path works both ways.</summary>
    HelloAck = 2,
    /// <summary>Stream bytes (or the end of the stream, with the FIN flag) at a sequence number.</summary>
    Data = 3,
    /// <summary>What has arrived: the next sequence number expected, a bitmap of the 64 after it, and blocks of 64 further on.</summary>
    Ack = 4,
    /// <summary>Nothing to say: keeps NAT mappings open.</summary>
    Keepalive = 5,
}

/// <summary>
/// Encoding of the peer protocol's datagrams. Every one starts with 0xC0 | type, which a STUN message (first two bits
/// zero) never does, so STUN and peer traffic can share one socket. DATA: type, flags (1 = FIN), 32-bit sequence
/// number, payload. ACK: type, block count, 32-bit next expected sequence number, 64-bit bitmap of the following
/// packets, then that many blocks of a 32-bit start and a 64-bit bitmap from it (a peer of a build before 2026-12-07
/// sends a count of 0 and no blocks, and reads only the first 14 bytes). HELLO, HELLO-ACK and KEEPALIVE: type,
/// version (1), 64-bit session id.
/// </summary>
internal static class PeerPacket
{
    public const byte Marker = 0xC0;
    public const byte Version = 1;
    public const int DataHeader = 6;
    public const int AckLength = 14;
    public const int AckBlockLength = 12;
    /// <summary>
    /// Blocks an ACK carries at most past its first bitmap: 16 reach 1,088 packets past the next expected one, more than
    /// the largest window (1024), in a 206-byte datagram.
    /// </summary>
    public const int MaxAckBlocks = 16;
    public const int MaxAckLength = AckLength + MaxAckBlocks * AckBlockLength;
    public const int ControlLength = 10;
    public const byte FinFlag = 1;

    public static bool TryType(ReadOnlySpan<byte> packet, out PeerPacketType type)
    {
        type = default;
        if (packet.Length < 2 || (packet[0] & 0xF0) != Marker) return false;
        type = (PeerPacketType)(packet[0] & 0x0F);
        return type switch
        {
            PeerPacketType.Data => packet.Length >= DataHeader,
            PeerPacketType.Ack => packet.Length >= AckLength,
            PeerPacketType.Hello or PeerPacketType.HelloAck or PeerPacketType.Keepalive => packet.Length >= ControlLength && packet[1] == Version,
            _ => false,
        };
    }

    public static int WriteData(Span<byte> into, uint seq, bool fin, ReadOnlySpan<byte> payload)
    {
        into[0] = Marker | (byte)PeerPacketType.Data;
        into[1] = fin ? FinFlag : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(into[2..], seq);
        payload.CopyTo(into[DataHeader..]);
        return DataHeader + payload.Length;
    }

    public static (uint Seq, bool Fin, ReadOnlyMemory<byte> Payload) ReadData(ReadOnlyMemory<byte> packet) =>
        (BinaryPrimitives.ReadUInt32BigEndian(packet.Span[2..]), (packet.Span[1] & FinFlag) != 0, packet[DataHeader..]);

    public static int WriteAck(Span<byte> into, uint next, ulong bitmap)
    {
        into[0] = Marker | (byte)PeerPacketType.Ack;
        into[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(into[2..], next);
        BinaryPrimitives.WriteUInt64BigEndian(into[6..], bitmap);
        return AckLength;
    }

    public static (uint Next, ulong Bitmap) ReadAck(ReadOnlySpan<byte> packet) =>
        (BinaryPrimitives.ReadUInt32BigEndian(packet[2..]), BinaryPrimitives.ReadUInt64BigEndian(packet[6..]));

    /// <summary>Adds block number <paramref name="index"/> (from 0, in order) to an ACK <see cref="WriteAck"/> wrote; returns the ACK's length.</summary>
    public static int WriteAckBlock(Span<byte> ack, int index, uint start, ulong bits)
    {
        var at = AckLength + index * AckBlockLength;
        BinaryPrimitives.WriteUInt32BigEndian(ack[at..], start);
        BinaryPrimitives.WriteUInt64BigEndian(ack[(at + 4)..], bits);
        ack[1] = (byte)(index + 1);
        return at + AckBlockLength;
    }

    /// <summary>The blocks an ACK carries: its count, as far as the datagram holds them (a short one is not trusted past its end).</summary>
    public static int AckBlockCount(ReadOnlySpan<byte> ack) => Math.Min(ack[1], (ack.Length - AckLength) / AckBlockLength);

    /// <summary>Block <paramref name="index"/>: bit i of Bits says packet Start + i has arrived.</summary>
    public static (uint Start, ulong Bits) ReadAckBlock(ReadOnlySpan<byte> ack, int index)
    {
        var at = AckLength + index * AckBlockLength;
        return (BinaryPrimitives.ReadUInt32BigEndian(ack[at..]), BinaryPrimitives.ReadUInt64BigEndian(ack[(at + 4)..]));
    }

    public static byte[] Control(PeerPacketType type, ulong session)
    {
        var b = new byte[ControlLength];
        b[0] = (byte)(Marker | (byte)type);
        b[1] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(2), session);
        return b;
    }

    public static ulong SessionOf(ReadOnlySpan<byte> control) => BinaryPrimitives.ReadUInt64BigEndian(control[2..]);
}
