using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sock.Cli.Rendering;

/// <summary>IP addresses in JSON as the text people read ("127.0.0.1", "::1"), not as IPAddress's properties.</summary>
internal sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } s ? IPAddress.Parse(s) : null;

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
