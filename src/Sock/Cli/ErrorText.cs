using Sock.Core.Errors;

namespace Sock.Cli;

/// <summary>The one line a failure prints: "sock: connect to 127.0.0.1:1 failed: connection refused (nothing is listening there)".</summary>
internal static class ErrorText
{
    /// <summary>The line for a library error, with a hint where one helps.</summary>
    public static string For(SockException ex)
    {
        var line = ex.Target is null ? $"sock: {ex.Operation}: {ex.Reason}" : ex.Kind switch
        {
            SockErrorKind.Network => $"sock: {ex.Operation} {ex.Target} failed: {ex.Reason}",
            _ => $"sock: {ex.Operation} {ex.Target}: {ex.Reason}",
        };
        return line;
    }
}
