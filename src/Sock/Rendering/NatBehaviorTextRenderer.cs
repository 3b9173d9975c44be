using Sock.Core.Endpoints;
using Sock.Core.Stun;

namespace Sock.Cli.Rendering;

/// <summary>sock stun --behavior: the NAT's mapping and filtering as label/value lines, each with what it was measured from.</summary>
internal sealed class NatBehaviorTextRenderer(TextWriter output) : IRenderer<NatBehavior>
{
    public void Render(NatBehavior b)
    {
        static string F(System.Net.IPEndPoint? ep) => ep is null ? "-" : EndpointText.Format(ep);
        var lines = new List<string>
        {
            $"local     {F(b.Local)}",
            $"mapped    {F(b.Mapped)}" + (b.Mapping == "none" ? " (the same as the local address: no NAT in between)" : " (a NAT is in between)"),
            $"server    {F(b.Server)}, other address {F(b.Other)}",
            $"mapping   {b.Mapping}" + b.Mapping switch
            {
                "none" => "",
                "endpoint-independent" => $" ({F(new System.Net.IPEndPoint(b.Other.Address, b.Server.Port))} saw {F(b.MappedViaOtherAddress)} too)",
                "address-dependent" => $" ({F(b.MappedViaOtherAddress)} toward the other address, the same toward its other port)",
                _ => $" ({F(b.MappedViaOtherAddress)} toward the other address, {F(b.MappedViaOtherAddressAndPort)} toward its other port)",
            },
            $"filtering {b.Filtering}" + (b.AnsweredFromOtherAddress ? " (an answer from the other address and port got in)"
                : b.AnsweredFromOtherPort ? " (an answer from the other port got in, none from the other address)"
                : " (no answer from the other address nor from the other port got in)"),
            $"meaning   {b.Meaning}",
        };
        output.Write(string.Join('\n', lines) + "\n");
    }
}
