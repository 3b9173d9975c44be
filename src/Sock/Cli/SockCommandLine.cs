using System.CommandLine;
using Sock.Cli.Commands;
using Sock.Core.Errors;

namespace Sock.Cli;

/// <summary>Wires the commands, parses, runs, and turns failures into one line and an exit code.</summary>
internal static class SockCommandLine
{
    /// <summary>
    /// Every command by name, in the order a newcomer meets them: the model, talking, serving, looking, measuring,
    /// reference. A name is the one its command is made with (a test checks).
    /// </summary>
    internal static readonly (string Name, Func<Command> Create)[] Commands =
    [
        ("demo", DemoCommand.Create),
        ("connect", ConnectCommand.Create),
        ("listen", ListenCommand.Create),
        ("nc", NcCommand.Create),
        ("socat", SocatCommand.Create),
        ("serve", ServeCommand.Create),
        ("forward", ForwardCommand.Create),
        ("proxy", ProxyCommand.Create),
        ("agent", AgentCommand.Create),
        ("snmp", SnmpCommand.Create),
        ("stat", StatCommand.Create),
        ("scan", ScanCommand.Create),
        ("ping", PingCommand.Create),
        ("traceroute", TracerouteCommand.Create),
        ("bench", BenchCommand.Create),
        ("stun", StunCommand.Create),
        ("peer", PeerCommand.Create),
        ("rendezvous", RendezvousCommand.Create),
        ("services", ServicesCommand.Create),
        ("addr", AddrCommand.Create),
        ("http", HttpCommand.Create),
        ("ui", UiCommand.Create),
    ];

    /// <summary>
    /// The command line with every command, or with only <paramref name="only"/> when it names one: the rest are
    /// never built. Once the first word is a command, System.CommandLine reads the rest of the line against that
    /// command alone (its options, its subcommands, the root's recursive options), so the other commands change
    /// nothing but the cost of building them (issue 13: a tenth of `sock services 80`'s start).
    /// </summary>
    public static RootCommand Build(string? only = null)
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
        foreach (var (name, create) in Commands)
            if (only is null || only == name) root.Subcommands.Add(create());
        ShortenCommandListing(root);
        UpperCasePlaceholders(root);
        return root;
    }

    /// <summary>
    /// Every option's value placeholder in upper case (-p PORTS), as man pages and the rest of sock's help write them;
    /// System.CommandLine's default is the option's own name in lower case (&lt;ports&gt;). Arguments are named in upper
    /// case where they are made (TARGET, FILTER).
    /// </summary>
    private static void UpperCasePlaceholders(Command command)
    {
        foreach (var option in command.Options)
            if (option.HelpName is null && option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0)
                option.HelpName = option.Name.TrimStart('-').ToUpperInvariant();
        foreach (var sub in command.Subcommands) UpperCasePlaceholders(sub);
    }

    /// <summary>`sock --help` lists each command on one line; `sock COMMAND --help` keeps the full help with examples.</summary>
    private static void ShortenCommandListing(RootCommand root)
    {
        var help = root.Options.OfType<System.CommandLine.Help.HelpOption>().FirstOrDefault();
        if (help?.Action is System.CommandLine.Help.HelpAction inner)
            help.Action = new RootHelpAction(inner);
    }

    /// <summary>
    /// The command the line runs when its first word (after the global flags) names one, else null: `sock --help`, a
    /// misspelt command and an empty line get the whole tree, so their help and errors list every command.
    /// </summary>
    internal static string? CommandNamed(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg is "--trace" or "--debug") continue;
            return Array.Exists(Commands, c => c.Name == arg) ? arg : null;
        }
        return null;
    }

    // The whole path, so a subcommand's hint names its parent too: 'sock snmp bulkwalk --help', not 'sock bulkwalk --help'.
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = parse.CommandResult; r is System.CommandLine.Parsing.CommandResult c && c.Command is not RootCommand; r = r.Parent)
            names.Insert(0, c.Command.Name);
        return string.Join(' ', ["sock", .. names]);
    }

    /// <summary>
    /// The first word written as an option that no option took. System.CommandLine hands such a word to the command's
    /// arguments (a scan target, a service name, a filter word) or, when they are full, blames the next word instead;
    /// either way the user should hear about the option. Words after "--" are arguments, whatever they look like, and
    /// `sock nc` reads ncat's command line itself.
    /// </summary>
    private static string? UnknownOption(ParseResult parse, string[] args)
    {
        if (parse.CommandResult.Command.Name is "nc" or "socat") return null;
        var end = Array.IndexOf(args, "--");
        var literal = end < 0 ? [] : args[(end + 1)..];
        var words = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>()
            .SelectMany(a => a.Tokens).Select(t => t.Value).Concat(parse.UnmatchedTokens);
        return words.FirstOrDefault(w => w.Length > 1 && w[0] == '-' && !char.IsAsciiDigit(w[1]) && w[1] != '.' && !literal.Contains(w));
    }

    /// <summary>
    /// A parse error in sock's words, "WHAT VALUE: why" as every other usage error: a value outside an option's list
    /// names the option and the choices ("--engine iocp: must be one of auto, epoll, portable"); a word that is not a
    /// number, a missing value, an option given twice, a missing argument or subcommand name the option as typed
    /// (`-P`, not `--parallel`) instead of System.CommandLine's sentences, which name .NET types
    /// ("as expected type 'System.Nullable`1[System.Int32]'"). Its other messages pass through, lower-cased.
    /// </summary>
    private static string Words(System.CommandLine.Parsing.ParseError error)
    {
        const string notRecognized = "' not recognized. Must be one of:";
        var message = error.Message;
        var symbol = error.SymbolResult;
        var option = symbol as System.CommandLine.Parsing.OptionResult ?? symbol?.Parent as System.CommandLine.Parsing.OptionResult;
        var typed = option is null ? null : option.IdentifierToken?.Value ?? option.Option.Name;
        var at = message.IndexOf(notRecognized, StringComparison.Ordinal);
        if (message.StartsWith("Argument '", StringComparison.Ordinal) && at > 0)
        {
            var value = message["Argument '".Length..at];
            var choices = message[(at + notRecognized.Length)..].Split(['\n', '\t', '\r', ' '], StringSplitOptions.RemoveEmptyEntries)
                .Select(c => c.Trim('\'', '.'));
            return $"{(option is null ? "" : $"{option.Option.Name} ")}{value}: must be one of {string.Join(", ", choices)}";
        }
        if (message.StartsWith("Cannot parse argument '", StringComparison.Ordinal)
            && (option?.Option.ValueType ?? (symbol as System.CommandLine.Parsing.ArgumentResult)?.Argument.ValueType) is { } type)
        {
            var rest = message["Cannot parse argument '".Length..];
            var end = new[] { "' for option '", "' for command '", "' as expected type '" }
                .Select(m => rest.IndexOf(m, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(rest.Length).Min();
            var argument = (symbol as System.CommandLine.Parsing.ArgumentResult)?.Argument;
            return $"{typed ?? argument?.HelpName ?? argument?.Name} {rest[..end]}: {NotA(rest[..end], type)}";
        }
        if (message.StartsWith("Required argument missing for option", StringComparison.Ordinal) && typed is not null)
            return $"{typed}: needs a value";
        if (message.Contains("expects a single argument but ", StringComparison.Ordinal) && typed is not null && option is not null)
            return $"{typed}: given {option.IdentifierTokenCount} times; give it once";
        const string forCommand = "' missing for command: '";
        if (message.StartsWith("Required argument '", StringComparison.Ordinal) && message.IndexOf(forCommand, StringComparison.Ordinal) is var m and > 0)
            return $"{message[(m + forCommand.Length)..].TrimEnd('.', '\'')}: {message["Required argument '".Length..m]} is needed";
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal) && symbol is System.CommandLine.Parsing.CommandResult parent)
            return $"{parent.Command.Name}: a subcommand is needed ({string.Join(", ", parent.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))})";
        message = message.ReplaceLineEndings(" ").TrimEnd('.');
        return message.Length > 0 && char.IsAsciiLetterUpper(message[0]) && !message.StartsWith("TLS", StringComparison.Ordinal)
            ? char.ToLowerInvariant(message[0]) + message[1..] : message;
    }

    /// <summary>Why VALUE is not a TYPE, in words: "not a whole number", "out of range (-2147483648 to 2147483647)".</summary>
    private static string NotA(string value, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(int) || t == typeof(long))
        {
            var (min, max) = t == typeof(int) ? ((long)int.MinValue, (long)int.MaxValue) : (long.MinValue, long.MaxValue);
            var digits = value.StartsWith('-') || value.StartsWith('+') ? value[1..] : value;
            return digits.Length > 0 && digits.All(char.IsAsciiDigit)
                ? $"out of range ({min.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {max.ToString(System.Globalization.CultureInfo.InvariantCulture)})"
                : "not a whole number";
        }
        return t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? "not a number" : "not a value it takes";
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build(CommandNamed(args));
        if (CommandNamed(args) == "snmp") args = SnmpCommand.SplitAttachedValues(args);
        var debug = args.Contains("--debug");
        ParseResult parse;
        try
        {
            // No response files: an argument starting with '@' is an abstract Unix socket name (listen -U @name), never a file.
            parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        }
        catch (Exception ex) when (!debug)
        {
            // Options' own parsers run inside Parse, before the invocation's handlers below: one of them that throws
            // (stat --watch once did) must still end in one line, not .NET's unhandled-exception text.
            Console.Error.WriteLine(ex is SockException s ? ErrorText.For(s) : $"sock: internal error reading the command line: {ex.Message} (run again with --debug for details)");
            return ex is SockException e ? ExitCodes.For(e) : ExitCodes.UsageError;
        }
        // Asking for help is never an error, even when the rest of the line is incomplete.
        var helping = parse.Action is RootHelpAction or System.CommandLine.Help.HelpAction;
        if (!helping && UnknownOption(parse, args) is { } unknown)
        {
            Console.Error.WriteLine($"sock: unrecognized option '{unknown}' (see '{CommandPath(parse)} --help')");
            return ExitCodes.UsageError;
        }
        if (parse.Errors.Count > 0 && !helping)
        {
            var path = CommandPath(parse);
            // An unknown word explains more than the "required command" complaint it causes.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            Console.Error.WriteLine($"sock: {Words(error)} (see '{path} --help')");
            return ExitCodes.UsageError;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = ServerSignals.DrainsOnStop(parse.CommandResult.Command.Name) ? null : TimeSpan.FromSeconds(2) });
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
