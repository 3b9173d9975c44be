using System.Text.Json;
using Sock.Core.Services;

namespace Sock.Cli.Rendering;

/// <summary>Service entries as one JSON array.</summary>
internal sealed class ServicesJsonRenderer(TextWriter output) : IRenderer<IReadOnlyList<ServiceEntry>>
{
    public void Render(IReadOnlyList<ServiceEntry> entries) =>
        output.WriteLine(JsonSerializer.Serialize(entries as List<ServiceEntry> ?? [.. entries], SockJson.Default.ListServiceEntry));
}
