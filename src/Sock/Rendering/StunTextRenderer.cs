using System.Globalization;
using Sock.Core.Endpoints;
using Sock.Core.Stun;

namespace Sock.Cli.Rendering;

/// <summary>
/// sock stun's answer for people: the local address, the mapped one (and whether a NAT is in between), the server with
/// its round trip, and RFC 5780's other address when the server gave one. <paramref name="host"/> is the server as
/// typed, named on the server line when it was a name.
/// </summary>
internal sealed class StunTextRenderer(TextWriter output, string host) : IRenderer<StunBinding>
{
    public void Render(StunBinding b)
    {
        var inv = CultureInfo.InvariantCulture;
        var named = EndpointText.LooksLikeAddress(EndpointText.Unbracket(host)) ? "" : $"{host} ";
        var lines = new List<string>
        {
            $"local     {EndpointText.Format(b.Local)}",
            $"mapped    {EndpointText.Format(b.Mapped)}" + (b.BehindNat
                ? " (differs from the local address: a NAT is in between)"
                : " (the same as the local address: no NAT in between)"),
            $"server    {named}{EndpointText.Format(b.Server)} over {b.Transport.ToUpperInvariant()}, RTT {b.Rtt.TotalMilliseconds.ToString("0.###", inv)} ms, "
                + $"{b.Attempts} {(b.Attempts == 1 ? "try" : "tries")}" + (b.Software is { } sw ? $", software \"{sw}\"" : ""),
        };
        if (b.OtherAddress is { } other) lines.Add($"other     {EndpointText.Format(other)} (the server's second address, RFC 5780's OTHER-ADDRESS)");
        output.Write(string.Join('\n', lines) + "\n");
    }
}
