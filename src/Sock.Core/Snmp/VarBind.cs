namespace Sock.Core.Snmp;

/// <summary>A variable binding: an object instance's OID and its value (NULL in requests).</summary>
/// <param name="Oid">The object instance.</param>
/// <param name="Value">Its value.</param>
public sealed record VarBind(Oid Oid, SnmpValue Value)
{
    /// <summary>A varbind for a request: the OID with a NULL value.</summary>
    public static VarBind Request(Oid oid) => new(oid, SnmpValue.Null);
}
