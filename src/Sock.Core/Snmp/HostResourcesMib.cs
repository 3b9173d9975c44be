using System.Globalization;
using System.Text;

namespace Sock.Core.Snmp;

/// <summary>
/// HOST-RESOURCES-MIB's hrSWRunTable (RFC 2790) from /proc: each process's index (its PID), name, path, parameters,
/// type and status, enough to name the processes tcpConnectionProcess and udpEndpointProcess point at.
/// </summary>
internal static class HostResourcesMib
{
    /// <summary>Adds the running processes of <paramref name="procRoot"/>.</summary>
    public static void AddTo(MibViewBuilder b, string procRoot = "/proc")
    {
        if (!Directory.Exists(procRoot)) return;
        var e = MibOids.HrSWRunEntry;
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
        {
            if (!uint.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid > int.MaxValue) continue;
            var comm = Read(Path.Combine(dir, "comm")).TrimEnd('\n');
            if (comm.Length == 0) continue; // gone between the listing and the read
            var argv = Read(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var state = Read(Path.Combine(dir, "stat"));
            var close = state.LastIndexOf(')');
            var letter = close >= 0 && close + 2 < state.Length ? state[close + 2] : '?';
            uint[] i = [pid];
            b.Cell(e.Append(1), i, SnmpValue.Integer((int)pid));
            b.Cell(e.Append(2), i, SnmpValue.OctetString(Clip(comm, 64)));
            b.Cell(e.Append(3), i, SnmpValue.ObjectIdentifier(Oid.Null));
            b.Cell(e.Append(4), i, SnmpValue.OctetString(Clip(argv.Length > 0 ? argv[0] : "", 128)));
            b.Cell(e.Append(5), i, SnmpValue.OctetString(Clip(string.Join(' ', argv.Skip(1)), 128)));
            // Kernel threads have no command line: the operating system's own; everything else an application.
            b.Cell(e.Append(6), i, SnmpValue.Integer(argv.Length == 0 ? 2 : 4));
            b.Cell(e.Append(7), i, SnmpValue.Integer(letter switch { 'R' => 1, 'S' or 'D' or 'I' => 2, 'T' or 't' => 3, _ => 4 }));
        }
    }

    private static string Read(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return ""; }
    }

    // DisplayString (SIZE (0..N)): cut at N bytes of UTF-8 without splitting a character.
    private static string Clip(string s, int max)
    {
        if (Encoding.UTF8.GetByteCount(s) <= max) return s;
        var n = s.Length;
        while (n > 0 && Encoding.UTF8.GetByteCount(s.AsSpan(0, n)) > max) n--;
        return s[..n];
    }
}
