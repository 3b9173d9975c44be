namespace Sock.Core.Snmp;

/// <summary>
/// The user-based security model's authentication protocols: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414) and the HMAC-SHA-2
/// family (RFC 7860), each truncating its MAC to the length the RFC gives.
/// </summary>
public enum UsmAuthProtocol
{
    /// <summary>No authentication (noAuthNoPriv).</summary>
    None = 0,
    /// <summary>usmHMACMD5AuthProtocol: a 12-byte MAC. RFC 3414's own, and net-snmp's default.</summary>
    Md5,
    /// <summary>usmHMACSHAAuthProtocol (SHA-1): a 12-byte MAC.</summary>
    Sha1,
    /// <summary>usmHMAC128SHA224AuthProtocol: a 16-byte MAC.</summary>
    Sha224,
    /// <summary>usmHMAC192SHA256AuthProtocol: a 24-byte MAC.</summary>
    Sha256,
    /// <summary>usmHMAC256SHA384AuthProtocol: a 32-byte MAC.</summary>
    Sha384,
    /// <summary>usmHMAC384SHA512AuthProtocol: a 48-byte MAC.</summary>
    Sha512,
}
