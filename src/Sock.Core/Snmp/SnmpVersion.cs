namespace Sock.Core.Snmp;

/// <summary>The message versions, numbered as the msgVersion field carries them.</summary>
public enum SnmpVersion
{
    /// <summary>SNMPv1 (RFC 1157), community-based.</summary>
    V1 = 0,
    /// <summary>SNMPv2c (RFC 1901), community-based.</summary>
    V2c = 1,
    /// <summary>SNMPv3 (RFC 3412) with the user-based security model.</summary>
    V3 = 3,
}
