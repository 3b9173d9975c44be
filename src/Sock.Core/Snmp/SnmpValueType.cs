namespace Sock.Core.Snmp;

/// <summary>The types a varbind's value can have in SNMPv1/v2c/v3 (RFC 2578, RFC 3416), and the three exceptions.</summary>
public enum SnmpValueType
{
    /// <summary>INTEGER (Integer32).</summary>
    Integer,
    /// <summary>OCTET STRING.</summary>
    OctetString,
    /// <summary>NULL: the value of every varbind in a request.</summary>
    Null,
    /// <summary>OBJECT IDENTIFIER.</summary>
    ObjectIdentifier,
    /// <summary>IpAddress ([APPLICATION 0], four bytes).</summary>
    IpAddress,
    /// <summary>Counter32 ([APPLICATION 1]).</summary>
    Counter32,
    /// <summary>Gauge32 / Unsigned32 ([APPLICATION 2]).</summary>
    Gauge32,
    /// <summary>TimeTicks ([APPLICATION 3]): hundredths of a second.</summary>
    TimeTicks,
    /// <summary>Opaque ([APPLICATION 4]): BER of something else, wrapped.</summary>
    Opaque,
    /// <summary>Counter64 ([APPLICATION 6]).</summary>
    Counter64,
    /// <summary>noSuchObject ([CONTEXT 0]): the agent knows no such object type.</summary>
    NoSuchObject,
    /// <summary>noSuchInstance ([CONTEXT 1]): the object type exists, that instance does not.</summary>
    NoSuchInstance,
    /// <summary>endOfMibView ([CONTEXT 2]): nothing follows in the agent's view.</summary>
    EndOfMibView,
}
