using System.Text.Json;
using Sock.Core.Endpoints;

namespace Sock.Cli.Rendering;

/// <summary>The addresses' explanations as one JSON array.</summary>
internal sealed class AddrJsonRenderer(TextWriter output) : IRenderer<IReadOnlyList<SockaddrExplanation>>
{
    public void Render(IReadOnlyList<SockaddrExplanation> explained) =>
        output.WriteLine(JsonSerializer.Serialize(explained as List<SockaddrExplanation> ?? [.. explained], SockJson.Default.ListSockaddrExplanation));
}
