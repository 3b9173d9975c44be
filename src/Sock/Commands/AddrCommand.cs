using System.CommandLine;
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
            IRenderer<IReadOnlyList<SockaddrExplanation>> renderer = parse.GetValue(json) ? new AddrJsonRenderer(Console.Out) : new AddrTextRenderer(Console.Out);
            renderer.Render(explained);
            return ExitCodes.Success;
        });
        return command;
    }
}
