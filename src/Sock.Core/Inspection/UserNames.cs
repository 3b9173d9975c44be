using System.Globalization;

namespace Sock.Core.Inspection;

/// <summary>User names for uids, from the password database (/etc/passwd), read once.</summary>
internal static class UserNames
{
    private static readonly Lazy<Dictionary<int, string>> Names = new(Read);

    /// <summary>The name of <paramref name="uid"/>, or null when unknown.</summary>
    public static string? Of(int uid) => Names.Value.TryGetValue(uid, out var n) ? n : null;

    private static Dictionary<int, string> Read()
    {
        var map = new Dictionary<int, string>();
        try
        {
            if (!File.Exists("/etc/passwd")) return map;
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
                    map.TryAdd(uid, f[0]);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return map;
    }
}
