namespace Sock.Core.Snmp;

/// <summary>
/// The user-based security model's privacy protocols. Only AES-128 in CFB mode (RFC 3826): DES (RFC 3414's
/// usmDESPrivProtocol) is not offered, since its 56-bit key has been broken since 1998.
/// </summary>
public enum UsmPrivProtocol
{
    /// <summary>No privacy (noAuthNoPriv, authNoPriv).</summary>
    None = 0,
    /// <summary>usmAesCfb128Protocol (RFC 3826).</summary>
    Aes128,
}
