using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Sock.Cli;

/// <summary>
/// Help for `sock` itself: the description, then one line per command (its first sentence) and the global
/// options. Every other command's help is System.CommandLine's own, with that command's examples.
/// </summary>
internal sealed class RootHelpAction(HelpAction inner) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        if (parseResult.CommandResult.Command is { Name: "nc" } nc)
            return NcHelp(nc, parseResult.RootCommandResult.Command, output);
        if (parseResult.CommandResult.Command is not RootCommand root)
            return inner.Invoke(parseResult);
        output.WriteLine(root.Description);
        output.WriteLine();
        output.WriteLine("Usage:");
        output.WriteLine("  sock [command] [options]");
        output.WriteLine();
        output.WriteLine("Commands:");
        var width = root.Subcommands.Max(c => c.Name.Length) + 2;
        foreach (var command in root.Subcommands)
            output.WriteLine($"  {command.Name.PadRight(width)}{Summary(command.Description ?? "")}");
        output.WriteLine();
        output.WriteLine("Options:");
        var options = root.Options.Select(o => (Names: string.Join(", ", new[] { o.Name }.Concat(o.Aliases).Where(n => n[0] != '/').OrderBy(n => n.Length)), o.Description)).ToList();
        var optionWidth = options.Max(o => o.Names.Length) + 2;
        foreach (var (names, description) in options)
            output.WriteLine($"  {names.PadRight(optionWidth)}{description}");
        output.WriteLine();
        output.WriteLine("Run 'sock COMMAND --help' for a command's options and examples.");
        return 0;
    }

    /// <summary>
    /// `sock nc` reads ncat's command line itself, so System.CommandLine's usage line ("[[--] &lt;additional
    /// arguments&gt;...]]", "Arguments passed to the application that is being run") would describe a parser it does not use.
    /// </summary>
    private static int NcHelp(Command nc, Command root, TextWriter output)
    {
        output.WriteLine("Usage:");
        output.WriteLine("  sock nc [options] HOST PORT");
        output.WriteLine("  sock nc -l [options] [[HOST] PORT]");
        output.WriteLine();
        output.WriteLine(nc.Description?.TrimEnd());
        output.WriteLine();
        output.WriteLine("sock's own options, anywhere on the line:");
        foreach (var o in root.Options.Where(o => o.Name is "--trace" or "--debug"))
            output.WriteLine($"  {o.Name,-10}{o.Description}");
        return 0;
    }

    private static string Summary(string description)
    {
        // A command's description starts with a one-line summary; the rest (details, examples) is for its own help.
        return description.Split('\n')[0].Trim();
    }
}
