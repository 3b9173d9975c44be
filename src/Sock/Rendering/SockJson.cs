using System.Text.Json.Serialization;
using Sock.Core.Endpoints;
using Sock.Core.Services;

namespace Sock.Cli.Rendering;

/// <summary>Source-generated JSON for everything the commands print with --json: no reflection at run time.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ServiceEntry>))]
[JsonSerializable(typeof(List<SockaddrExplanation>))]
[JsonSerializable(typeof(Sock.Core.Benchmarking.BenchReport))]
[JsonSerializable(typeof(Sock.Core.Benchmarking.BenchServerSession))]
internal sealed partial class SockJson : JsonSerializerContext;
