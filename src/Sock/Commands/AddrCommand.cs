using System.CommandLine;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;

namespace Sock.Cli.Commands;

/// <summary>sock addr: a socket address in every form it takes, and /proc/net spellings decoded back.</summary>
internal static class AddrCommand
{
    public static Command Create()
    {
        var addresses = new Argument<string[]>("ADDRESS")
        {
            Description = "127.0.0.1:8080, [::1]:443, a bare address, a Unix socket path (/run/x.sock, @abstract), or a /proc/net spelling (0100007F:1F90)",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = GlobalOptions.Json();
        var command = new Command("addr", """
            A socket address in every form: sockaddr struct, byte orders, wire bytes, /proc/net spelling.

            Shows the family and the sockaddr struct, the port in host and network byte order (htons),
            the address as a 32-bit value in both orders (inet_pton, htonl), the bytes as they travel, and the spelling
            Linux uses in /proc/net/tcp. A /proc/net spelling is decoded back to text.

            Examples:
              sock addr 127.0.0.1:8080
              sock addr '[::1]:443'
              sock addr 0100007F:1F90
              sock addr /run/docker.sock
            """)
        {
            addresses, json,
        };
        command.SetAction(parse =>
        {
            var explained = (parse.GetValue(addresses) ?? []).Select(SockaddrExplainer.Explain).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(explained, SockJson.Default.ListSockaddrExplanation));
                return ExitCodes.Success;
            }
            var first = true;
            foreach (var e in explained)
            {
                if (!first) Console.Out.WriteLine();
                first = false;
                Render(e);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Render(SockaddrExplanation e)
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
        TableWriter.Write(Console.Out, ["FIELD", "VALUE", "MEANING"], rows, Terminal.RichStdout, header: false);
        foreach (var note in e.Notes) Console.Out.WriteLine($"  - {note}");
    }
}
