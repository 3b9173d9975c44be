using Sock.Core.Platform.Unix;

namespace Sock.Core.Sockets;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) and what it leaves for sockets, computed here once for every user.
/// sock raises the soft limit to the hard one at start (any process may), and refuses to start below
/// <see cref="Minimum"/>: the runtime alone holds about 70 descriptors, and running out of them while it loads is a
/// crash, not an error. Every connect in flight holds a descriptor too, so the scanner keeps its window below the soft
/// limit, and the server refuses connections a little before the limit (<see cref="ConnectionsLeft"/>).
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>The fewest open files sock starts with: the runtime's own (about 70) and room for some sockets.</summary>
    public const int Minimum = 128;

    /// <summary>Descriptors kept free for the runtime, stdio, the trace file and the like.</summary>
    internal const int Reserve = 64;

    /// <summary>The current soft limit, or null where it cannot be read (Windows has no such limit).</summary>
    internal static long? Soft()
    {
        if (!HasLimit) return null;
        return ResourceLimit.GetOpenFiles() is { } r ? (long)Math.Min(r.Soft, long.MaxValue) : null;
    }

    /// <summary>
    /// Raises the soft limit to the hard one where the system allows it, and returns the soft limit then in force, or
    /// null where there is no such limit (Windows) or it cannot be read.
    /// </summary>
    public static long? RaiseToHard()
    {
        if (!HasLimit) return null;
        if (ResourceLimit.GetOpenFiles() is not var (soft, hard)) return null;
        if (hard > soft)
        {
            var raised = Highest(hard);
            if (ResourceLimit.SetOpenFiles(raised, hard)) soft = raised;
        }
        return (long)Math.Min(soft, long.MaxValue);
    }

    /// <summary>
    /// How many sockets the scan may hold at once, up to <paramref name="wanted"/>: raises the soft limit toward the
    /// hard one when <paramref name="wanted"/> needs it, then keeps <see cref="Reserve"/> free.
    /// </summary>
    internal static int Allow(int wanted)
    {
        if (!HasLimit) return wanted;
        if (ResourceLimit.GetOpenFiles() is not var (soft, hard)) return wanted;
        var need = (ulong)wanted + Reserve + 64;
        if (soft < need && hard > soft)
        {
            var raised = Math.Min(need, hard);
            if (ResourceLimit.SetOpenFiles(raised, hard)) soft = raised;
        }
        var usable = (long)Math.Min(soft, int.MaxValue) - Reserve - Environment.ProcessorCount * 4;
        return (int)Math.Clamp(usable, 1, wanted);
    }

    /// <summary>
    /// How many connections the process can still open before it runs out of file descriptors, leaving a reserve for
    /// the runtime itself: at the open-file limit the .NET runtime fails in places a server cannot catch (it stops with
    /// "Out of memory."), so the server refuses connections a little before it gets there. Null where it cannot tell
    /// (no limit, or no /proc/self/fd to count the open ones: Linux only).
    /// </summary>
    internal static int? ConnectionsLeft()
    {
        if (!OperatingSystem.IsLinux() || ResourceLimit.GetOpenFiles() is not var (limit, _) || limit == ResourceLimit.Unlimited) return null;
        var soft = (long)Math.Min(limit, long.MaxValue);
        try
        {
            var open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
            var reserve = (int)Math.Min(128, soft / 4);
            return (int)Math.Clamp(soft - open - reserve, 1, int.MaxValue);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // macOS refuses more than OPEN_MAX (10240) for an unlimited hard limit; Linux takes the hard one as it is.
    private static ulong Highest(ulong hard) => OperatingSystem.IsMacOS() ? Math.Min(hard, 10240) : hard;

    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    [System.Runtime.Versioning.SupportedOSPlatformGuard("macos")]
    [System.Runtime.Versioning.SupportedOSPlatformGuard("freebsd")]
    private static bool HasLimit => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();
}
