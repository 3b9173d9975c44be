using System.Text.Json.Serialization;

namespace Sock.Cli.Rendering;

/// <summary>Source-generated JSON for line-by-line output: one object per line, never indented.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServeEvent))]
[JsonSerializable(typeof(ForwardEvent))]
[JsonSerializable(typeof(ProxyEvent))]
[JsonSerializable(typeof(Sock.Cli.Ui.UiSnapshot))]
[JsonSerializable(typeof(Sock.Cli.Ui.ServerPanel))]
[JsonSerializable(typeof(List<Sock.Cli.Ui.ServerPanel>))]
internal sealed partial class SockJsonLines : JsonSerializerContext;
