using System.Text.Json.Serialization;
using Sock.Core.Endpoints;
using Sock.Core.Services;
using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>Source-generated JSON for everything the commands print with --json: no reflection at run time.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(IPAddressJsonConverter)])]
[JsonSerializable(typeof(List<ServiceEntry>))]
[JsonSerializable(typeof(List<SockaddrExplanation>))]
[JsonSerializable(typeof(DemoReport))]
[JsonSerializable(typeof(Sock.Core.Connections.SocketRecord))]
[JsonSerializable(typeof(List<Sock.Core.Connections.SocketRecord>))]
[JsonSerializable(typeof(List<Sock.Cli.Rendering.StatJsonRow>))]
[JsonSerializable(typeof(List<Sock.Cli.Rendering.StatJsonHolder>))]
[JsonSerializable(typeof(Sock.Core.Inspection.SocketSummary))]
[JsonSerializable(typeof(ScanJsonReport))]
[JsonSerializable(typeof(Sock.Core.Benchmarking.BenchReport))]
[JsonSerializable(typeof(Sock.Core.Benchmarking.BenchServerSession))]
[JsonSerializable(typeof(BenchJsonError))]
[JsonSerializable(typeof(Sock.Cli.Rendering.StunJsonReport))]
[JsonSerializable(typeof(Sock.Cli.Rendering.NatBehaviorJsonReport))]
[JsonSerializable(typeof(PingJsonReport))]
[JsonSerializable(typeof(TracerouteJsonReport))]
[JsonSerializable(typeof(Sock.Core.Http.HttpFetchResult))]
internal sealed partial class SockJson : JsonSerializerContext;
