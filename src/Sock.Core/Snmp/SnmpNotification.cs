namespace Sock.Core.Snmp;

/// <summary>
/// The varbinds of an SNMPv2-Trap or InformRequest (RFC 3416 §4.2.6, §4.2.7): sysUpTime.0 first, snmpTrapOID.0
/// second, then the notification's objects; and coldStart, the one an agent sends when it starts (RFC 3418).
/// </summary>
public static class SnmpNotification
{
    /// <summary>sysUpTime.0: 1.3.6.1.2.1.1.3.0.</summary>
    public static readonly Oid SysUpTime0 = Oid.Parse("1.3.6.1.2.1.1.3.0");

    /// <summary>snmpTrapEnterprise.0: 1.3.6.1.6.3.1.1.4.3.0 (what net-snmp's snmpd adds to its coldStart: its sysObjectID).</summary>
    public static readonly Oid SnmpTrapEnterprise0 = Oid.Parse("1.3.6.1.6.3.1.1.4.3.0");

    /// <summary>The varbinds of a notification of <paramref name="trapOid"/> at <paramref name="upTimeTicks"/> (hundredths of a second), then <paramref name="objects"/>.</summary>
    public static IReadOnlyList<VarBind> VarBinds(uint upTimeTicks, Oid trapOid, IEnumerable<VarBind>? objects = null)
    {
        var list = new List<VarBind>
        {
            new(SysUpTime0, SnmpValue.TimeTicks(upTimeTicks)),
            new(MibOids.SnmpTrapOid0, SnmpValue.ObjectIdentifier(trapOid)),
        };
        if (objects is not null) list.AddRange(objects);
        return list;
    }

    /// <summary>coldStart as net-snmp's snmpd sends it: the agent's uptime, coldStart, snmpTrapEnterprise.0 = sysObjectID.</summary>
    public static IReadOnlyList<VarBind> ColdStart(TimeSpan agentUpTime) =>
        VarBinds(SystemGroup.Ticks(agentUpTime), MibOids.ColdStart, [new VarBind(SnmpTrapEnterprise0, SnmpValue.ObjectIdentifier(MibOids.NetSnmpLinux))]);
}
