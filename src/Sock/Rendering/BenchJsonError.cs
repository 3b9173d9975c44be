namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock bench --json` prints on stdout when the run cannot start (refused, unreachable, not resolved): a script
/// reading stdout gets an object saying why instead of nothing, while stderr still has the one line.
/// </summary>
internal sealed record BenchJsonError(string Mode, string Target, string Error, int ExitCode);
