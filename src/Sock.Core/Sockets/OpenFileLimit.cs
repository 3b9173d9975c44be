using System.Runtime.InteropServices;

namespace Sock.Core.Sockets;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE). sock raises the soft limit to the hard one at start (any process may),
/// and refuses to start below <see cref="Minimum"/>: the runtime alone holds about 70 descriptors, and running out of
/// them while it loads is a crash, not an error. Every connect in flight holds a descriptor too, so the scanner keeps its
/// window below the soft limit, leaving room for the runtime's own.
/// </summary>
public static partial class OpenFileLimit
{
    /// <summary>The fewest open files sock starts with: the runtime's own (about 70) and room for some sockets.</summary>
    public const int Minimum = 128;

    /// <summary>Descriptors kept free for the runtime, stdio, the trace file and the like.</summary>
    internal const int Reserve = 64;

    private const int RlimitNofile = 7;

    /// <summary>The current soft limit, or null where it cannot be read (Windows has no such limit).</summary>
    internal static long? Soft()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        try
        {
            return getrlimit(RlimitNofile, out var r) == 0 ? (long)Math.Min(r.Current, long.MaxValue) : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Raises the soft limit to the hard one where the system allows it, and returns the soft limit then in force, or
    /// null where there is no such limit (Windows) or it cannot be read.
    /// </summary>
    public static long? RaiseToHard()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        try
        {
            if (getrlimit(RlimitNofile, out var r) != 0) return null;
            if (r.Maximum > r.Current)
            {
                // macOS refuses more than OPEN_MAX (10240) for an unlimited hard limit; Linux takes the hard one as it is.
                var raised = new Rlimit { Current = OperatingSystem.IsMacOS() ? Math.Min(r.Maximum, 10240) : r.Maximum, Maximum = r.Maximum };
                if (setrlimit(RlimitNofile, in raised) == 0) r.Current = raised.Current;
            }
            return (long)Math.Min(r.Current, long.MaxValue);
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// How many sockets the scan may hold at once, up to <paramref name="wanted"/>: raises the soft limit toward the
    /// hard one when <paramref name="wanted"/> needs it, then keeps <see cref="Reserve"/> free.
    /// </summary>
    internal static int Allow(int wanted)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return wanted;
        try
        {
            if (getrlimit(RlimitNofile, out var r) != 0) return wanted;
            var need = (ulong)wanted + Reserve + 64;
            if (r.Current < need && r.Maximum > r.Current)
            {
                var raised = new Rlimit { Current = Math.Min(need, r.Maximum), Maximum = r.Maximum };
                if (setrlimit(RlimitNofile, in raised) == 0) r.Current = raised.Current;
            }
            var usable = (long)Math.Min(r.Current, int.MaxValue) - Reserve - Environment.ProcessorCount * 4;
            return (int)Math.Clamp(usable, 1, wanted);
        }
        catch (DllNotFoundException)
        {
            return wanted;
        }
        catch (EntryPointNotFoundException)
        {
            return wanted;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);
}
