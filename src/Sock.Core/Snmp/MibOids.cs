namespace Sock.Core.Snmp;

/// <summary>The OIDs of the MIB objects sock serves and names (SNMPv2-MIB, IF-MIB, TCP-MIB, UDP-MIB, HOST-RESOURCES-MIB).</summary>
public static class MibOids
{
    /// <summary>mib-2: 1.3.6.1.2.1.</summary>
    public static readonly Oid Mib2 = Oid.Parse("1.3.6.1.2.1");
    /// <summary>system: 1.3.6.1.2.1.1.</summary>
    public static readonly Oid System = Oid.Parse("1.3.6.1.2.1.1");
    /// <summary>sysUpTime: 1.3.6.1.2.1.1.3.</summary>
    public static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3");
    /// <summary>interfaces: 1.3.6.1.2.1.2.</summary>
    public static readonly Oid Interfaces = Oid.Parse("1.3.6.1.2.1.2");
    /// <summary>ifEntry: 1.3.6.1.2.1.2.2.1.</summary>
    public static readonly Oid IfEntry = Oid.Parse("1.3.6.1.2.1.2.2.1");
    /// <summary>ifXEntry: 1.3.6.1.2.1.31.1.1.1.</summary>
    public static readonly Oid IfXEntry = Oid.Parse("1.3.6.1.2.1.31.1.1.1");
    /// <summary>tcp: 1.3.6.1.2.1.6.</summary>
    public static readonly Oid Tcp = Oid.Parse("1.3.6.1.2.1.6");
    /// <summary>tcpConnEntry (the IPv4-only table of RFC 1213): 1.3.6.1.2.1.6.13.1.</summary>
    public static readonly Oid TcpConnEntry = Oid.Parse("1.3.6.1.2.1.6.13.1");
    /// <summary>tcpConnectionEntry: 1.3.6.1.2.1.6.19.1.</summary>
    public static readonly Oid TcpConnectionEntry = Oid.Parse("1.3.6.1.2.1.6.19.1");
    /// <summary>tcpListenerEntry: 1.3.6.1.2.1.6.20.1.</summary>
    public static readonly Oid TcpListenerEntry = Oid.Parse("1.3.6.1.2.1.6.20.1");
    /// <summary>udp: 1.3.6.1.2.1.7.</summary>
    public static readonly Oid Udp = Oid.Parse("1.3.6.1.2.1.7");
    /// <summary>udpEndpointEntry: 1.3.6.1.2.1.7.7.1.</summary>
    public static readonly Oid UdpEndpointEntry = Oid.Parse("1.3.6.1.2.1.7.7.1");
    /// <summary>snmp: 1.3.6.1.2.1.11.</summary>
    public static readonly Oid Snmp = Oid.Parse("1.3.6.1.2.1.11");
    /// <summary>hrSWRunEntry: 1.3.6.1.2.1.25.4.2.1.</summary>
    public static readonly Oid HrSWRunEntry = Oid.Parse("1.3.6.1.2.1.25.4.2.1");
    /// <summary>NET-SNMP-MIB netSnmpAgentOIDs.linux, the sysObjectID net-snmp's snmpd reports on Linux.</summary>
    public static readonly Oid NetSnmpLinux = Oid.Parse("1.3.6.1.4.1.8072.3.2.10");
    /// <summary>snmpTrapOID.0, the second varbind of every SNMPv2-Trap.</summary>
    public static readonly Oid SnmpTrapOid0 = Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");
    /// <summary>coldStart: 1.3.6.1.6.3.1.1.5.1.</summary>
    public static readonly Oid ColdStart = Oid.Parse("1.3.6.1.6.3.1.1.5.1");
}
