using System.Text.Json;
using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>sock agent --json: each request as one JSON object per line (NDJSON, <see cref="SnmpRequestRecord"/>).</summary>
internal sealed class AgentJsonLog(LinePrinter printer) : AgentLog(printer)
{
    protected override string Format(SnmpRequestRecord request) => JsonSerializer.Serialize(request, SnmpJson.Default.SnmpRequestRecord);
}
