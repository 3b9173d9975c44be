using System.CommandLine;

namespace Sock.Cli;

/// <summary>Options every command takes.</summary>
internal static class GlobalOptions
{
    /// <summary>--trace: each socket call on stderr as the BSD call it stands for.</summary>
    public static readonly Option<bool> Trace = new("--trace")
    {
        Description = "Log every socket call to stderr as the BSD call it stands for (socket, bind, connect, send…), with timestamps and handles",
        Recursive = true,
    };

    /// <summary>--debug: show the stack trace of a failure.</summary>
    public static readonly Option<bool> Debug = new("--debug")
    {
        Description = "On failure, print the full exception with its stack trace",
        Recursive = true,
    };

    /// <summary>--json, for the commands that print data.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON" };
}
