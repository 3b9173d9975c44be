using Microsoft.Win32.SafeHandles;
using Sock.Core.Errors;

namespace Sock.Cli;

/// <summary>
/// stdout for the byte relays: a stream that reports a closed pipe. .NET's console stream treats EPIPE as success, so
/// with its reader gone (`sock connect … | head -c 10`) sock would go on reading the socket and writing into nothing,
/// forever, at full speed. A plain stream over descriptor 1 fails instead (SIGPIPE is ignored by the runtime: EPIPE).
/// Pipes, sockets and terminals get that stream; a file keeps the console's.
/// </summary>
internal static class StandardOutput
{
    public static Stream Open()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        try
        {
            var stream = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!stream.CanSeek) return stream;
            // A file (`> out`, `>> log`): FileStream would write at a position of its own (pwrite), over what others
            // write to the same file; the console stream appends with write(2), and a file has no reader to lose.
            stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
        }
        return Console.OpenStandardOutput();
    }

    /// <summary>The error for a relay that stopped because stdout went away (EPIPE, or EBADF when it was closed at start).</summary>
    public static SockException Closed() =>
        new(SockErrorKind.Network, "write to", "stdout", "stdout closed (nothing reads it any more)");
}
