using System.Globalization;
using Sock.Core.Endpoints;
using Sock.Core.Services;

namespace Sock.Cli.Rendering;

/// <summary>Service entries as a table: name, port/protocol, range, which database knows it, IANA's name and aliases.</summary>
internal sealed class ServicesTextRenderer(TextWriter output) : IRenderer<IReadOnlyList<ServiceEntry>>
{
    public void Render(IReadOnlyList<ServiceEntry> entries)
    {
        var rows = entries.Select(e => (IReadOnlyList<string>)
        [
            e.Name.Length > 0 ? e.Name : e.IsReserved ? "(reserved)" : "(unassigned)",
            string.Create(CultureInfo.InvariantCulture, $"{e.Port}/{e.Protocol}"),
            Ports.Describe(e.Class),
            e.Name.Length > 0 || e.IsReserved ? e.Sources : "-",
            Other(e),
        ]);
        TableWriter.Write(output, ["SERVICE", "PORT", "RANGE", "SOURCE", "IANA NAME AND DESCRIPTION"], rows, Terminal.RichStdout);
    }

    private static string Other(ServiceEntry e)
    {
        var aliases = e.SystemAliases.Count > 0 ? $"aliases: {string.Join(' ', e.SystemAliases)}" : null;
        var iana = e.IanaName is null ? (e.IsReserved ? "Reserved" : null)
            : e.Description is null ? e.IanaName
            : $"{e.IanaName}: {e.Description}";
        return string.Join("; ", new[] { iana, aliases }.Where(s => s is not null));
    }
}
