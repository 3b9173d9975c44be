namespace Sock.Cli.Rendering;

/// <summary>Whether output may use colour and tables drawn with escape codes: only on a terminal, and never with NO_COLOR.</summary>
internal static class Terminal
{
    /// <summary>True when stdout is a terminal that wants colour.</summary>
    public static bool RichStdout =>
        !Console.IsOutputRedirected && !NoColor && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>True when stderr is a terminal that wants colour.</summary>
    public static bool RichStderr =>
        !Console.IsErrorRedirected && !NoColor && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    private static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
