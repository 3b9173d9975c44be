namespace Sock.Core.Stun;

/// <summary>The STUN attribute types sock reads and writes (RFC 8489 §18.3, RFC 5780 §7).</summary>
public static class StunAttributeType
{
    /// <summary>MAPPED-ADDRESS: the reflexive address, not obfuscated (RFC 3489's, still sent for old clients).</summary>
    public const ushort MappedAddress = 0x0001;
    /// <summary>CHANGE-REQUEST (RFC 5780): answer from the other address and/or port.</summary>
    public const ushort ChangeRequest = 0x0003;
    /// <summary>ERROR-CODE: class, number and reason phrase of an error response.</summary>
    public const ushort ErrorCode = 0x0009;
    /// <summary>UNKNOWN-ATTRIBUTES: the comprehension-required types a server did not know (with error 420).</summary>
    public const ushort UnknownAttributes = 0x000A;
    /// <summary>XOR-MAPPED-ADDRESS: the reflexive address, XORed with the magic cookie (and transaction id for IPv6).</summary>
    public const ushort XorMappedAddress = 0x0020;
    /// <summary>PADDING (RFC 5780): filler, ignored.</summary>
    public const ushort Padding = 0x0026;
    /// <summary>RESPONSE-PORT (RFC 5780): the port to answer to.</summary>
    public const ushort ResponsePort = 0x0027;
    /// <summary>SOFTWARE: the agent's name and version.</summary>
    public const ushort Software = 0x8022;
    /// <summary>FINGERPRINT: CRC-32 of the message XOR 0x5354554e, always last.</summary>
    public const ushort Fingerprint = 0x8028;
    /// <summary>RESPONSE-ORIGIN (RFC 5780): the address and port the response was sent from.</summary>
    public const ushort ResponseOrigin = 0x802B;
    /// <summary>OTHER-ADDRESS (RFC 5780): the server's alternate address and port, for the behaviour tests.</summary>
    public const ushort OtherAddress = 0x802C;

    /// <summary>Types below 0x8000 are comprehension-required: an agent that does not know one must reject the message.</summary>
    public static bool IsComprehensionRequired(ushort type) => type < 0x8000;
}
