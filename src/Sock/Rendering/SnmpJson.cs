using System.Text.Json.Serialization;

namespace Sock.Cli.Rendering;

/// <summary>
/// Source-generated JSON for sock agent's and sock snmp's line-per-record output (NDJSON): one object per line, so
/// unlike <see cref="SockJson"/> it is not indented.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Sock.Core.Snmp.SnmpRequestRecord))]
[JsonSerializable(typeof(Sock.Cli.Rendering.SnmpJsonVarBind))]
internal sealed partial class SnmpJson : JsonSerializerContext;
