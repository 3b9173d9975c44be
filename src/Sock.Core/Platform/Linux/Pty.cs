using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// Pseudo terminals (socat's PTY address): openpty(3) for a master and slave pair, ptsname_r(3) for the slave's name,
/// and the slave's line discipline through tcgetattr/cfmakeraw/tcsetattr (raw, echo=0). Results are 0 or minus errno.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Pty
{
    // struct termios is 60 bytes in glibc on every Linux architecture; the buffer is larger so a libc with a longer one
    // cannot write past it. Only c_lflag (the fourth tcflag_t, offset 12) is read here, and only where that is known.
    private const int TermiosBuffer = 256;
    private const int LocalFlagsOffset = 12;
    private const uint Echo = 0x8; // ECHO in c_lflag (octal 0000010)
    private const int TcsaNow = 0;

    /// <summary>True where the termios layout used here is known for sure (glibc on x86-64 and arm64).</summary>
    public static bool Supported => RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Opens a master and slave pair; <paramref name="slaveName"/> is the slave's path (/dev/pts/N).</summary>
    public static int Open(out int master, out int slave, out string slaveName)
    {
        int m, s;
        master = slave = -1;
        slaveName = "";
        if (OpenPty(&m, &s, null, null, null) < 0) return -Errno.Last;
        var name = stackalloc byte[128];
        var rc = PtsNameR(m, name, 128);
        if (rc != 0)
        {
            Libc.Close(m);
            Libc.Close(s);
            return -rc;
        }
        master = m;
        slave = s;
        slaveName = Marshal.PtrToStringUTF8((nint)name) ?? "";
        return 0;
    }

    /// <summary>Sets the terminal's line discipline: <paramref name="raw"/> as cfmakeraw(3), <paramref name="echo"/> false clears ECHO.</summary>
    public static int Configure(int fd, bool raw, bool? echo)
    {
        var termios = stackalloc byte[TermiosBuffer];
        new Span<byte>(termios, TermiosBuffer).Clear();
        if (TcGetAttr(fd, termios) < 0) return -Errno.Last;
        if (raw) CfMakeRaw(termios);
        if (echo is { } on)
        {
            var flags = (uint*)(termios + LocalFlagsOffset);
            *flags = on ? *flags | Echo : *flags & ~Echo;
        }
        return TcSetAttr(fd, TcsaNow, termios) < 0 ? -Errno.Last : 0;
    }

    [LibraryImport("libc", EntryPoint = "openpty", SetLastError = true)]
    private static partial int OpenPty(int* master, int* slave, byte* name, void* termios, void* window);

    [LibraryImport("libc", EntryPoint = "ptsname_r")]
    private static partial int PtsNameR(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int when, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);
}
