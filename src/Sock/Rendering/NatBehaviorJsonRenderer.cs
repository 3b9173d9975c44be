using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Stun;

namespace Sock.Cli.Rendering;

/// <summary>sock stun --behavior --json: <see cref="NatBehaviorJsonReport"/>.</summary>
internal sealed class NatBehaviorJsonRenderer(TextWriter output) : IRenderer<NatBehavior>
{
    public void Render(NatBehavior b)
    {
        static string? F(System.Net.IPEndPoint? ep) => ep is null ? null : EndpointText.Format(ep);
        output.WriteLine(JsonSerializer.Serialize(new NatBehaviorJsonReport(F(b.Server)!, F(b.Other)!, F(b.Local)!, F(b.Mapped)!,
            F(b.MappedViaOtherAddress), F(b.MappedViaOtherAddressAndPort), b.Mapping, b.Filtering, b.AnsweredFromOtherAddress,
            b.AnsweredFromOtherPort, b.Meaning), SockJson.Default.NatBehaviorJsonReport));
    }
}
