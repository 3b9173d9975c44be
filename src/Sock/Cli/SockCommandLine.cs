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
              sock demo                    the classic hello server and client, every call traced
              sock services 80             what port 80 is called, and its range
              sock addr 127.0.0.1:8080     a socket address in every byte order
            """);
        root.Options.Add(GlobalOptions.Trace);
        root.Options.Add(GlobalOptions.Debug);
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ServicesCommand.Create());
        root.Subcommands.Add(AddrCommand.Create());
        root.Subcommands.Add(ConnectCommand.Create());
        root.Subcommands.Add(ListenCommand.Create());
        root.Subcommands.Add(NcCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        var debug = args.Contains("--debug");
        if (parse.Errors.Count > 0)
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
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
