namespace Sock.Cli.Rendering;

/// <summary>One varbind in sock snmp's --json output.</summary>
/// <param name="Host">The agent, as given.</param>
/// <param name="Oid">The OID in numbers.</param>
/// <param name="Name">The OID as sock names it (numbers when unknown).</param>
/// <param name="Type">The value's SMI type (Integer, OctetString, Counter32…, or the exception).</param>
/// <param name="Value">The value as text (the label of an enumeration, a string's text, a number).</param>
internal sealed record SnmpJsonVarBind(string Host, string Oid, string Name, string Type, string Value);
