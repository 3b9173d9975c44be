using System.CommandLine;
using Sock.Cli.Rendering;
using Sock.Core.Services;

namespace Sock.Cli.Commands;

/// <summary>sock services: port numbers and service names from the system's database and IANA's registry.</summary>
internal static class ServicesCommand
{
    public static Command Create()
    {
        var queries = new Argument<string[]>("QUERY")
        {
            Description = "A port (80), a name (ssh), a port or name with a protocol (53/udp), or a range (8000-8100). None lists everything",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var source = new Option<string>("--source")
        {
            Description = "Which database answers: system (/etc/services), iana (the registry built into sock), or both",
            DefaultValueFactory = _ => "both",
        };
        source.AcceptOnlyFromAmong("system", "iana", "both");
        var json = GlobalOptions.Json();
        var command = new Command("services", """
            Port numbers and service names, from /etc/services and IANA's registry.

            What a port is called, which port a name stands for, and which IANA range a port is in (well-known 0–1023,
            registered 1024–49151, dynamic/private 49152–65535). Where both databases know a port, both names are shown.

            Examples:
              sock services 80
              sock services ssh
              sock services 53/udp
              sock services 8000-8100 --source iana
              sock services http --json
            """)
        {
            queries, source, json,
        };
        command.SetAction(parse =>
        {
            var parsed = (parse.GetValue(queries) ?? []).Select(ServiceQuery.Parse).ToList();
            if (parsed.Count == 0) parsed.Add(ServiceQuery.All);
            var sources = parse.GetValue(source) switch { "system" => ServiceSource.System, "iana" => ServiceSource.Iana, _ => ServiceSource.Both };
            var entries = ServiceRegistry.Default.Find(parsed, sources);
            IRenderer<IReadOnlyList<ServiceEntry>> renderer = parse.GetValue(json) ? new ServicesJsonRenderer(Console.Out) : new ServicesTextRenderer(Console.Out);
            renderer.Render(entries);
            return ExitCodes.Success;
        });
        return command;
    }
}
