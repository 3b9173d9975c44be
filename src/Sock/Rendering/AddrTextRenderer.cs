using Sock.Core.Endpoints;

namespace Sock.Cli.Rendering;

/// <summary>Each address as a table of its forms (struct, byte orders, wire bytes, /proc/net), with notes, a blank line between.</summary>
internal sealed class AddrTextRenderer(TextWriter output) : IRenderer<IReadOnlyList<SockaddrExplanation>>
{
    public void Render(IReadOnlyList<SockaddrExplanation> explained)
    {
        var first = true;
        foreach (var e in explained)
        {
            if (!first) output.WriteLine();
            first = false;
            Render(e);
        }
    }

    private void Render(SockaddrExplanation e)
    {
        var order = e.LittleEndianHost ? "little-endian" : "big-endian";
        var rows = new List<IReadOnlyList<string>>();
        void Row(string field, string? value, string meaning)
        {
            if (value is not null) rows.Add([field, value, meaning]);
        }
        Row("input", e.Input, e.Direction == "decode" ? "decoded from the /proc/net spelling" : "");
        Row("endpoint", e.Endpoint, "");
        Row("family", $"{e.Family} = {e.FamilyValue}", "on Linux (sa_family is host order)");
        Row("struct", $"{e.Struct}, {e.StructSize} bytes", "what bind()/connect() take");
        Row("port", e.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture), e.PortClass ?? "");
        Row("port value", e.PortHex, "host order");
        Row("sin_port bytes", e.PortNetworkBytes, "network order (big-endian), as on the wire");
        Row("htons(port)", e.Htons, $"sin_port read as an integer on this {order} host");
        Row("address value", e.AddressValue, "inet_pton's bytes as a host-order number");
        Row("htonl(address)", e.Htonl, $"s_addr read as an integer on this {order} host");
        Row("address bytes", e.WireBytes, "network order, as on the wire");
        Row("/proc/net", e.ProcNet, e.Family == "AF_INET6" ? "as in /proc/net/tcp6 (address words in host order, port in hex)" : "as in /proc/net/tcp (address in host order, port in hex)");
        Row("path", e.Path, e.PathBytes is { } n ? $"{n} bytes; sun_path holds at most {e.PathLimit}" : "");
        Row("sockaddr bytes", e.StructBytes, "the struct as the kernel receives it");
        TableWriter.Write(output, ["FIELD", "VALUE", "MEANING"], rows, Terminal.RichStdout, header: false);
        foreach (var note in e.Notes) output.WriteLine($"  - {note}");
    }
}
