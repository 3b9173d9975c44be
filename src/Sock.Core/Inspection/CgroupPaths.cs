using System.Globalization;

namespace Sock.Core.Inspection;

/// <summary>
/// A cgroup v2 id as the path ss -e prints for it (cgroup:/system.slice/ssh.service): the id is the inode of the
/// cgroup's directory, so the directories under the cgroup2 mount are walked once, on first use, and remembered.
/// </summary>
internal static class CgroupPaths
{
    private static readonly Lazy<Dictionary<ulong, string>> Paths = new(Walk);

    /// <summary>The cgroup's path relative to the cgroup2 mount ("/" for the root), or ss's "unreachable:ID" (hex) when no directory has that id.</summary>
    public static string PathOf(ulong id) =>
        Paths.Value.TryGetValue(id, out var path) ? path : string.Create(CultureInfo.InvariantCulture, $"unreachable:{id:x}");

    private static Dictionary<ulong, string> Walk()
    {
        var map = new Dictionary<ulong, string>();
        if (!OperatingSystem.IsLinux() || Mount() is not { } root) return map;
        var pending = new Stack<string>();
        pending.Push(root);
        // Bounded: a machine has thousands of cgroups at most.
        for (var visited = 0; pending.Count > 0 && visited < 100_000; visited++)
        {
            var dir = pending.Pop();
            if (Platform.Linux.Statx.Inode(dir) is { } inode)
            {
                var relative = dir.Length == root.Length ? "/" : dir[root.Length..];
                map.TryAdd(inode, relative);
            }
            try
            {
                foreach (var child in Directory.EnumerateDirectories(dir)) pending.Push(child);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return map;
    }

    /// <summary>Where the cgroup2 hierarchy is mounted (from /proc/self/mounts), or null.</summary>
    private static string? Mount()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mounts"))
            {
                var f = line.Split(' ');
                if (f.Length > 2 && f[2] == "cgroup2") return f[1].TrimEnd('/') is { Length: > 0 } m ? m : "/";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
