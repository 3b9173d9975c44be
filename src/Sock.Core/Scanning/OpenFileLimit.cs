using System.Runtime.InteropServices;

namespace Sock.Core.Scanning;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE): every connect in flight holds a descriptor, so the scanner keeps its
/// window below the soft limit, leaving room for the runtime's own. Before the scan it raises the soft limit toward
/// the hard one, which any process may do, only as far as the scan needs.
/// </summary>
internal static partial class OpenFileLimit
{
    /// <summary>Descriptors kept free for the runtime, stdio, the trace file and the like.</summary>
    public const int Reserve = 64;

    private const int RlimitNofile = 7;

    /// <summary>The current soft limit, or null where it cannot be read (Windows has no such limit).</summary>
    public static long? Soft()
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
    /// How many sockets the scan may hold at once, up to <paramref name="wanted"/>: raises the soft limit toward the
    /// hard one when <paramref name="wanted"/> needs it, then keeps <see cref="Reserve"/> free.
    /// </summary>
    public static int Allow(int wanted)
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
