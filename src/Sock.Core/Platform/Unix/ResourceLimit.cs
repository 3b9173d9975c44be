using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Unix;

/// <summary>
/// getrlimit(2)/setrlimit(2) for the open-file limit, on the systems that have them. Unlike the rest of
/// <c>Platform/</c>, which is Linux's, this one call runs on macOS too, so the resource number is chosen per system:
/// RLIMIT_NOFILE is 7 on Linux but 8 on macOS and the BSDs (where 7 is RLIMIT_NPROC, the process count).
/// <c>struct rlimit</c> is two 64-bit <c>rlim_t</c> on all of them.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
[SupportedOSPlatform("freebsd")]
internal static partial class ResourceLimit
{
    /// <summary>RLIM_INFINITY: no limit.</summary>
    public const ulong Unlimited = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>RLIMIT_NOFILE's number on <paramref name="system"/>, or null where sock does not know it (Windows has no such limit).</summary>
    public static int? OpenFilesResource(OSPlatform system) =>
        system == OSPlatform.Linux ? 7
        : system == OSPlatform.OSX || system == OSPlatform.FreeBSD ? 8
        : null;

    private static int? OpenFiles =>
        OperatingSystem.IsLinux() ? OpenFilesResource(OSPlatform.Linux)
        : OperatingSystem.IsMacOS() ? OpenFilesResource(OSPlatform.OSX)
        : OperatingSystem.IsFreeBSD() ? OpenFilesResource(OSPlatform.FreeBSD)
        : null;

    /// <summary>The open-file limit (soft, hard), or null where it cannot be read.</summary>
    public static (ulong Soft, ulong Hard)? GetOpenFiles()
    {
        if (OpenFiles is not { } resource) return null;
        try
        {
            return getrlimit(resource, out var r) == 0 ? (r.Current, r.Maximum) : null;
        }
        catch (DllNotFoundException) { return null; }
        catch (EntryPointNotFoundException) { return null; }
    }

    /// <summary>Sets the open-file limit; false when the system refuses (or has no such call).</summary>
    public static bool SetOpenFiles(ulong soft, ulong hard)
    {
        if (OpenFiles is not { } resource) return false;
        try
        {
            var limit = new Rlimit { Current = soft, Maximum = hard };
            return setrlimit(resource, in limit) == 0;
        }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);
}
