using System.Buffers.Binary;

namespace Sock.Core.Icmp;

/// <summary>
/// An ICMP or ICMPv6 message as it arrived: an echo reply (type, code, identifier, sequence), or an error (destination
/// unreachable, time exceeded, packet too big) with the identifier and sequence of the echo request it quotes, so that
/// both can be matched to the probe that caused them.
/// </summary>
internal readonly record struct IcmpMessage(byte Type, byte Code, ushort Identifier, ushort Sequence, bool ChecksumValid,
    int Length, uint Info, bool IsV6)
{
    /// <summary>ICMP echo reply (0) or ICMPv6 echo reply (129).</summary>
    public bool IsEchoReply => IsV6 ? Type == IcmpTypes.V6EchoReply : Type == IcmpTypes.V4EchoReply;

    /// <summary>ICMP echo request (8) or ICMPv6 echo request (128): a raw socket sees the requests sent to loopback too.</summary>
    public bool IsEchoRequest => IsV6 ? Type == IcmpTypes.V6EchoRequest : Type == IcmpTypes.V4EchoRequest;

    /// <summary>An error that quotes the packet which caused it (unreachable, time exceeded, too big, parameter problem).</summary>
    public bool IsError => IsV6 ? Type < 128 : Type is 3 or 4 or 5 or 11 or 12;

    /// <summary>Writes an echo request (header, then <paramref name="payload"/>) into <paramref name="destination"/> with its checksum; returns the length.</summary>
    public static int WriteEchoRequest(Span<byte> destination, bool v6, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        destination[0] = v6 ? IcmpTypes.V6EchoRequest : IcmpTypes.V4EchoRequest;
        destination[1] = 0;
        destination[2] = destination[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], sequence);
        // ping builds the packet in place: its payload is already where it goes.
        if (!(payload.Overlaps(destination[8..], out var offset) && offset == 0)) payload.CopyTo(destination[8..]);
        var length = 8 + payload.Length;
        // ICMPv6's checksum covers a pseudo-header the kernel knows and we do not: the kernel fills it in (RFC 3542).
        if (!v6)
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], InternetChecksum.Compute(destination[..length]));
        return length;
    }

    /// <summary>
    /// Reads an ICMP message that starts at <paramref name="icmp"/> (after any IP header). For errors, the identifier
    /// and sequence are those of the quoted echo request (null when the quoted packet is not an ICMP echo).
    /// <paramref name="verifyChecksum"/> is false where the kernel has already verified it (ICMPv6, ICMP datagram sockets).
    /// </summary>
    public static IcmpMessage? Parse(ReadOnlySpan<byte> icmp, bool v6, bool verifyChecksum)
    {
        if (icmp.Length < 8) return null;
        var type = icmp[0];
        var code = icmp[1];
        var valid = !verifyChecksum || InternetChecksum.Compute(icmp) == 0;
        var info = BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]);
        var m = new IcmpMessage(type, code, BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]), valid, icmp.Length, info, v6);
        if (!m.IsError) return m;
        // The quoted packet: its IP header, then at least the first 8 bytes of what it carried.
        var quoted = icmp[8..];
        if (QuotedEcho(quoted, v6) is not { } q) return m with { Identifier = 0, Sequence = 0 };
        return m with { Identifier = q.Identifier, Sequence = q.Sequence };
    }

    /// <summary>The destination, identifier and sequence of the echo request an ICMP error quotes, when it quotes one.</summary>
    public static (System.Net.IPAddress Destination, ushort Identifier, ushort Sequence)? QuotedEcho(ReadOnlySpan<byte> quotedIp, bool v6)
    {
        int headerLength;
        byte protocol;
        if (v6)
        {
            if (quotedIp.Length < 48 || quotedIp[0] >> 4 != 6) return null;
            headerLength = 40;
            protocol = quotedIp[6];
        }
        else
        {
            if (quotedIp.Length < 28 || quotedIp[0] >> 4 != 4) return null;
            headerLength = (quotedIp[0] & 0x0F) * 4;
            protocol = quotedIp[9];
        }
        if (quotedIp.Length < headerLength + 8) return null;
        var inner = quotedIp[headerLength..];
        if (protocol != (v6 ? 58 : 1) || inner[0] != (v6 ? IcmpTypes.V6EchoRequest : IcmpTypes.V4EchoRequest)) return null;
        var destination = new System.Net.IPAddress(v6 ? quotedIp.Slice(24, 16) : quotedIp.Slice(16, 4));
        return (destination, BinaryPrimitives.ReadUInt16BigEndian(inner[4..]), BinaryPrimitives.ReadUInt16BigEndian(inner[6..]));
    }
}
