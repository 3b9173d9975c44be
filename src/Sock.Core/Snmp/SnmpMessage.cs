namespace Sock.Core.Snmp;

/// <summary>
/// One SNMP message: for v1 and v2c a community and a PDU (RFC 1157, RFC 1901); for v3 the header, the USM
/// security parameters and a scoped PDU (RFC 3412, RFC 3414) — see <see cref="V3"/>.
/// <see cref="TryDecode"/> never throws: malformed input gives a reason instead.
/// </summary>
internal sealed record SnmpMessage
{
    /// <summary>The version.</summary>
    public required SnmpVersion Version { get; init; }

    /// <summary>The community (v1, v2c): bytes, usually ASCII.</summary>
    public ReadOnlyMemory<byte> Community { get; init; }

    /// <summary>The PDU (for v3 the scoped PDU's, after decryption).</summary>
    public required SnmpPdu Pdu { get; init; }

    /// <summary>The SNMPv3 header and security parameters; null for v1 and v2c.</summary>
    public SnmpV3Header? V3 { get; init; }

    /// <summary>A v1 or v2c message.</summary>
    public static SnmpMessage ForCommunity(SnmpVersion version, string community, SnmpPdu pdu) =>
        new() { Version = version, Community = System.Text.Encoding.UTF8.GetBytes(community), Pdu = pdu };

    /// <summary>The community as text.</summary>
    public string CommunityText => System.Text.Encoding.UTF8.GetString(Community.Span);

    /// <summary>The message's BER bytes (v1/v2c; a v3 message in clear; USM signs and encrypts its own).</summary>
    public byte[] Encode() => SnmpCodec.Encode(this);

    /// <summary>
    /// Decodes a v1 or v2c message, or the outer layer of a v3 one (its scoped PDU when it is not encrypted).
    /// False, with <paramref name="error"/> saying why, for anything malformed: truncated, wrong lengths, nesting,
    /// integers beyond their type, OIDs beyond 128 arcs, trailing bytes.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out SnmpMessage? message, out string? error) =>
        SnmpCodec.TryDecode(data, out message, out error);
}
