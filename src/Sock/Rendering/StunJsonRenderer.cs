using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Stun;

namespace Sock.Cli.Rendering;

/// <summary>sock stun --json: the Binding's result as one JSON object (<see cref="StunJsonReport"/>), endpoints spelled as people type them.</summary>
internal sealed class StunJsonRenderer(TextWriter output) : IRenderer<StunBinding>
{
    public void Render(StunBinding b) => output.WriteLine(JsonSerializer.Serialize(new StunJsonReport(b.Transport, EndpointText.Format(b.Server),
        EndpointText.Format(b.Local), EndpointText.Format(b.Mapped), b.BehindNat, b.ResponseOrigin is { } ro ? EndpointText.Format(ro) : null,
        b.OtherAddress is { } oa ? EndpointText.Format(oa) : null, b.Software, Math.Round(b.Rtt.TotalMilliseconds, 3), b.Attempts, b.Fingerprint),
        SockJson.Default.StunJsonReport));
}
