namespace Sock.Core.Snmp;

/// <summary>
/// What an SNMPv3 message carries besides its PDU (RFC 3412 §6, RFC 3414 §2.4): the header, the user-based
/// security model's parameters, and the scoped PDU's context.
/// </summary>
internal sealed record SnmpV3Header
{
    /// <summary>msgID: pairs a response (or report) with its request.</summary>
    public int MessageId { get; init; }

    /// <summary>msgMaxSize: the largest message the sender can take.</summary>
    public int MaxSize { get; init; } = 65507;

    /// <summary>msgFlags: 1 auth, 2 priv, 4 reportable.</summary>
    public byte Flags { get; init; }

    /// <summary>msgSecurityModel: 3 for USM.</summary>
    public int SecurityModel { get; init; } = 3;

    /// <summary>msgAuthoritativeEngineID.</summary>
    public ReadOnlyMemory<byte> EngineId { get; init; }

    /// <summary>msgAuthoritativeEngineBoots.</summary>
    public int EngineBoots { get; init; }

    /// <summary>msgAuthoritativeEngineTime (seconds since the last boot).</summary>
    public int EngineTime { get; init; }

    /// <summary>msgUserName.</summary>
    public string UserName { get; init; } = "";

    /// <summary>msgAuthenticationParameters: the truncated HMAC, or empty.</summary>
    public ReadOnlyMemory<byte> AuthParameters { get; init; }

    /// <summary>msgPrivacyParameters: the salt of the encryption, or empty.</summary>
    public ReadOnlyMemory<byte> PrivParameters { get; init; }

    /// <summary>contextEngineID of the scoped PDU.</summary>
    public ReadOnlyMemory<byte> ContextEngineId { get; init; }

    /// <summary>contextName of the scoped PDU.</summary>
    public string ContextName { get; init; } = "";

    /// <summary>The encrypted scoped PDU as received (privacy flag set); null once decrypted or when sent in clear.</summary>
    public ReadOnlyMemory<byte>? EncryptedPdu { get; init; }

    /// <summary>The authentication flag.</summary>
    public bool Authenticated => (Flags & 1) != 0;

    /// <summary>The privacy flag.</summary>
    public bool Private => (Flags & 2) != 0;

    /// <summary>The reportable flag.</summary>
    public bool Reportable => (Flags & 4) != 0;
}
