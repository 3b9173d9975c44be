using Sock.Core.Errors;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// What one agent answered a sock snmp command: the varbinds in the order they came (as far as they came, when
/// <paramref name="Error"/> stopped it), for <c>table</c> the table's entry (<paramref name="TableEntry"/>) they are
/// the cells of, notes for stderr (--verbose), and the error, if any.
/// </summary>
internal sealed record SnmpHostAnswer(SnmpTarget Target, IReadOnlyList<VarBind> VarBinds, Oid? TableEntry, IReadOnlyList<string> Notes, SockException? Error);
