namespace Sock.Core.Serving;

/// <summary>
/// How many connections the process can open before it runs out of file descriptors, leaving a reserve for the
/// runtime itself: at the open-file limit the .NET runtime fails in places the server cannot catch (it stops with
/// "Out of memory."), so the server refuses connections a little before it gets there. Linux only (from /proc).
/// </summary>
internal static class FileDescriptorBudget
{
    /// <summary>Connections the process may still open, or null where it cannot tell.</summary>
    public static int? Connections()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var words = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is not { Length: >= 4 } || !long.TryParse(words[3], out var soft)) return null; // "unlimited"
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
}
