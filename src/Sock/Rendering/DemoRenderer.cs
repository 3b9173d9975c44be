using System.Globalization;
using Sock.Core.Demo;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Spectre.Console;

namespace Sock.Cli.Rendering;

/// <summary>Renders the hello demo as a narrative: stage headings, trace lines, what each side prints, the kernel's table.</summary>
internal sealed class DemoRenderer(TextWriter output, bool rich) : IDemoObserver
{
    public void Stage(int number, string title, string explanation)
    {
        output.WriteLine();
        if (rich)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            console.Write(new Rule($"[bold yellow]{number}. {Markup.Escape(title)}[/]").LeftJustified());
        }
        else
        {
            output.WriteLine($"== {number}. {title} ==");
        }
        output.WriteLine($"  {explanation}");
    }

    public void Said(string who, string text) => output.WriteLine($"  {who}: {text}");

    public void SocketTable(string source, IReadOnlyList<SocketTableEntry> rows, IReadOnlyList<string> notes)
    {
        output.WriteLine($"  The kernel's socket table now (read from {source}), this process's sockets:");
        var table = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Netid, r.State, Local(r), Peer(r),
            string.Join(",", r.Owners.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Command} pid={o.Pid} fd={o.Fd}"))),
            r.Inode.ToString(CultureInfo.InvariantCulture),
        ]);
        TableWriter.Write(output, ["Netid", "State", "Local Address:Port", "Peer Address:Port", "Process", "Inode"], table, rich, indent: "    ");
        foreach (var n in notes) output.WriteLine($"  - {n}");
    }

    public void Note(string text)
    {
        output.WriteLine();
        output.WriteLine($"  {text}");
    }

    public void Refused(SockException error) => output.WriteLine($"  -> {ErrorText.For(error)}");

    private static string Local(SocketTableEntry r) =>
        r.LocalAddress is null ? r.Path ?? "*" : EndpointText.Format(r.LocalAddress, r.LocalPort);

    private static string Peer(SocketTableEntry r) =>
        r.PeerAddress is null ? "*" : r.PeerPort == 0 && (r.PeerAddress.Equals(System.Net.IPAddress.Any) || r.PeerAddress.Equals(System.Net.IPAddress.IPv6Any))
            ? (r.IsIPv6 ? "[::]:*" : "0.0.0.0:*")
            : EndpointText.Format(r.PeerAddress, r.PeerPort);
}
