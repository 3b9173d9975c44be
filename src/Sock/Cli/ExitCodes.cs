using Sock.Core.Errors;

namespace Sock.Cli;

/// <summary>Exit codes as ncat has them.</summary>
internal static class ExitCodes
{
    /// <summary>Done as asked.</summary>
    public const int Success = 0;

    /// <summary>A network error: refused, unreachable, timed out, reset, address in use, permission denied, name not resolved.</summary>
    public const int NetworkError = 1;

    /// <summary>The command line was wrong.</summary>
    public const int UsageError = 2;

    /// <summary>sock http --fail: the server answered with a status of 400 or more (curl's 22; the network itself worked).</summary>
    public const int HttpError = 22;

    /// <summary>The exit code for a library error.</summary>
    public static int For(SockException ex) => ex.Kind == SockErrorKind.Usage ? UsageError : NetworkError;
}
