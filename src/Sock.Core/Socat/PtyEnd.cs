using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Socat;

/// <summary>
/// socat's PTY: a pseudo terminal whose master side is the channel; other programs open the slave (/dev/pts/N, or the
/// symbolic link of link=). As socat, the slave stays open while the end lives, so a program opening and closing it
/// does not end the channel; raw and echo=0 set the line discipline. The link is removed when the end closes.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class PtyEnd : StreamEnd
{
    private readonly int _slave;
    private readonly string? _link;

    private PtyEnd(string name, FileStream master, int slave, string? link) : base(name, master, master)
    {
        _slave = slave;
        _link = link;
    }

    /// <summary>The slave's path (/dev/pts/N).</summary>
    public string SlavePath { get; private init; } = "";

    protected override bool EndOnInputError => true;

    /// <summary>Opens a pseudo terminal; <paramref name="link"/> becomes a symbolic link to its slave.</summary>
    public static PtyEnd Open(string? link, bool raw, bool? echo, bool crlf = false)
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
            return new PtyEnd($"PTY {name}", stream, slave, link) { SlavePath = name, Crlf = crlf };
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

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        Libc.Close(_slave);
        if (_link is not null)
        {
            try { File.Delete(_link); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
