using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
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
            var registry = ServiceRegistry.Default;
            var entries = new List<ServiceEntry>();
            var seen = new HashSet<(int, string)>();
            foreach (var q in parsed)
            {
                var found = registry.Lookup(q, sources);
                if (found.Count == 0 && q.Name is not null)
                    throw new SockException(SockErrorKind.NotFound, "services", null, $"no service is named '{q.Name}'{(q.Protocol is null ? "" : "/" + q.Protocol)} in {Describe(sources, registry)}");
                foreach (var e in found)
                    if (seen.Add((e.Port, e.Protocol))) entries.Add(e);
                if (found.Count == 0 && q.Name is null && q.FirstPort == q.LastPort)
                {
                    // An unnamed port is still a port: say its range.
                    var proto = q.Protocol ?? "tcp";
                    if (seen.Add((q.FirstPort, proto))) entries.Add(new ServiceEntry(q.FirstPort, proto, null, [], null, null));
                }
            }
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(entries, SockJson.Default.ListServiceEntry));
                return ExitCodes.Success;
            }
            var rows = entries.Select(e => (IReadOnlyList<string>)
            [
                e.Name.Length > 0 ? e.Name : e.IsReserved ? "(reserved)" : "(unassigned)",
                string.Create(CultureInfo.InvariantCulture, $"{e.Port}/{e.Protocol}"),
                Ports.Describe(e.Class),
                e.Name.Length > 0 || e.IsReserved ? e.Sources : "-",
                Other(e),
            ]);
            TableWriter.Write(Console.Out, ["SERVICE", "PORT", "RANGE", "SOURCE", "IANA NAME AND DESCRIPTION"], rows, Terminal.RichStdout);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Other(ServiceEntry e)
    {
        var aliases = e.SystemAliases.Count > 0 ? $"aliases: {string.Join(' ', e.SystemAliases)}" : null;
        var iana = e.IanaName is null ? (e.IsReserved ? "Reserved" : null)
            : e.Description is null ? e.IanaName
            : $"{e.IanaName}: {e.Description}";
        return string.Join("; ", new[] { iana, aliases }.Where(s => s is not null));
    }

    private static string Describe(ServiceSource sources, ServiceRegistry registry) => sources switch
    {
        ServiceSource.System => registry.SystemPath ?? "the system's services file (there is none)",
        ServiceSource.Iana => "IANA's registry",
        _ => registry.SystemPath is null ? "IANA's registry (no system services file here)" : $"{registry.SystemPath} or IANA's registry",
    };
}
