namespace Sock.Core.Snmp;

/// <summary>An SNMPv3 message's security level (RFC 3411), as msgFlags' authentication and privacy bits give it.</summary>
public enum SnmpSecurityLevel
{
    /// <summary>Neither authenticated nor encrypted.</summary>
    NoAuthNoPriv = 0,
    /// <summary>Authenticated (HMAC), in clear.</summary>
    AuthNoPriv = 1,
    /// <summary>Authenticated and encrypted.</summary>
    AuthPriv = 3,
}
