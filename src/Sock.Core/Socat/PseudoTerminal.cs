using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Socat;

/// <summary>
/// socat's PTY: a pseudo terminal whose master side is a leg of the relay; other programs open the slave (/dev/pts/N, or
/// the symbolic link of link=). As socat, the slave stays open while the leg lives, so a program opening and closing it
/// does not end the leg; raw and echo=0 set the line discipline. The link is removed when the leg is disposed.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class PseudoTerminal
{
    /// <summary>Opens a pseudo terminal as a leg; <paramref name="link"/> becomes a symbolic link to its slave.</summary>
    public static ForwardLeg Open(string? link, bool raw, bool? echo)
    {
        if (!Pty.Supported) throw SockException.Usage("socat PTY", "", "pseudo terminals are supported on Linux x86-64 and arm64 only");
        var rc = Pty.Open(out var master, out var slave, out var name);
        if (rc < 0) throw new SockException(SockErrorKind.Network, "socat PTY", "openpty", Reason(-rc));
        try
        {
            if (raw || echo is not null)
            {
                rc = Pty.Configure(slave, raw, echo);
                if (rc < 0) throw new SockException(SockErrorKind.Network, "socat PTY", name, Reason(-rc));
            }
            if (link is not null)
            {
                // As socat: whatever is at the link's path is replaced.
                try
                {
                    if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
                    File.CreateSymbolicLink(link, name);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new SockException(SockErrorKind.Usage, "socat PTY link=", link, FileErrorText.Describe(ex, link));
                }
            }
            var stream = new FileStream(new SafeFileHandle(master, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
            // A master reads EIO once no slave is open: that is its end of input, not a failure.
            var owning = new OwningStream(stream, () =>
            {
                Libc.Close(slave);
                if (link is not null)
                {
                    try { File.Delete(link); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }, endOnReadError: true);
            return new StreamLeg(owning, owning, "pty:" + name);
        }
        catch
        {
            Libc.Close(master);
            Libc.Close(slave);
            throw;
        }
    }

    /// <summary>The C library's words for <paramref name="errno"/>, in lower case as sock's errors read.</summary>
    private static string Reason(int errno) =>
        System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno) is { Length: > 0 } m ? char.ToLowerInvariant(m[0]) + m[1..] : $"errno {errno}";
}
