using System.CommandLine;
using Sock.Cli.Commands;
using Sock.Core.Errors;

namespace Sock.Cli;

/// <summary>Wires the commands, parses, runs, and turns failures into one line and an exit code.</summary>
internal static class SockCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("""
            sock — the socket toolkit for .NET: talk to a port, serve one, see who holds what, and watch the socket model work.

            Examples:
              sock demo                        the classic hello server and client, every call traced
              sock listen -k -v 8080           a netcat server for many clients
              sock connect 127.0.0.1 8080      talk to it (stdin to the socket, the socket to stdout)
              sock serve echo daytime --base 10000
              sock stat -tanp                  the socket table with owning processes, as ss
              sock scan 127.0.0.1 -p -         every TCP port, as nmap -sT
              sock bench echo 127.0.0.1 10007 -c 4 -d 5s
              sock services 80                 what port 80 is called, and its range
              sock addr 127.0.0.1:8080         a socket address in every byte order
            """);
        root.Options.Add(GlobalOptions.Trace);
        root.Options.Add(GlobalOptions.Debug);
        // In the order a newcomer meets them: the model, talking, serving, looking, measuring, reference.
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ConnectCommand.Create());
        root.Subcommands.Add(ListenCommand.Create());
        root.Subcommands.Add(NcCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(StatCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(StunCommand.Create());
        root.Subcommands.Add(ServicesCommand.Create());
        root.Subcommands.Add(AddrCommand.Create());
        ShortenCommandListing(root);
        return root;
    }

    /// <summary>`sock --help` lists each command on one line; `sock COMMAND --help` keeps the full help with examples.</summary>
    private static void ShortenCommandListing(RootCommand root)
    {
        var help = root.Options.OfType<System.CommandLine.Help.HelpOption>().FirstOrDefault();
        if (help?.Action is System.CommandLine.Help.HelpAction inner)
            help.Action = new RootHelpAction(inner);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        var debug = args.Contains("--debug");
        // Asking for help is never an error, even when the rest of the line is incomplete.
        if (parse.Errors.Count > 0 && parse.Action is not (RootHelpAction or System.CommandLine.Help.HelpAction))
        {
            var command = parse.CommandResult.Command;
            var path = command is RootCommand ? "sock" : $"sock {command.Name}";
            // An unknown word explains more than the "required command" complaint it causes.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            Console.Error.WriteLine($"sock: {error.Message.ReplaceLineEndings(" ").TrimEnd('.')} (see '{path} --help')");
            return ExitCodes.UsageError;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = ServeCommand.TerminationTimeout(parse) });
        }
        catch (SockException ex)
        {
            Console.Out.Flush();
            Console.Error.WriteLine(debug ? ex.ToString() : ErrorText.For(ex));
            return ExitCodes.For(ex);
        }
        catch (OperationCanceledException)
        {
            // Interrupted by the user (SIGINT/SIGTERM): 130 as shells report it.
            return 130;
        }
        catch (Exception ex) when (!debug)
        {
            Console.Error.WriteLine($"sock: internal error: {ex.Message} (run again with --debug for details)");
            return ExitCodes.NetworkError;
        }
    }
}
