using System.Globalization;
using Sock.Core.Errors;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>
/// sock agent --engine-boots-file: the SNMPv3 engine's state kept across runs, in net-snmp's words (snmpd keeps the same
/// two lines in /var/lib/snmp/snmpd.conf): "engineBoots N" and "oldEngineID 0xHEX". At each start the engine ID is the
/// file's (unless --engine-id gives another) and engineBoots one more than the file's (1 for a new engine ID), and the file
/// is written back before the agent serves, so a crash never reuses a boot number.
/// Without the option an agent with SNMPv3 users on a fixed port keeps the same state in a file of its own
/// (<see cref="DefaultPath"/>), as snmpd keeps it by default; a file there that cannot be kept is a warning, not an error.
/// </summary>
internal static class AgentEngineState
{
    /// <summary>
    /// Where the engine is kept when --engine-boots-file is not given: the user's state directory ($XDG_STATE_HOME/sock,
    /// else ~/.local/state/sock; %LOCALAPPDATA%\sock on Windows), one file per UDP port, since two agents on two ports are
    /// two engines and must not share an engine ID. Null for port 0 (another port each run is another agent) or when the
    /// user has no home directory.
    /// </summary>
    public static string? DefaultPath(int port)
    {
        if (port == 0) return null;
        string? directory;
        if (OperatingSystem.IsWindows())
            directory = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData) is { Length: > 0 } local ? Path.Combine(local, "sock") : null;
        else if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state && Path.IsPathRooted(state))
            directory = Path.Combine(state, "sock");
        else
            directory = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".local", "state", "sock") : null;
        return directory is null ? null : Path.Combine(directory, $"agent-{port.ToString(CultureInfo.InvariantCulture)}.conf");
    }

    /// <summary>
    /// <see cref="Advance"/> on the default file, its directory made (owner-only) when missing. When the file cannot be
    /// read or written the run is a new engine and <c>Warning</c> says why; an unreadable file is left as it is.
    /// </summary>
    public static (byte[]? EngineId, int Boots, string? Warning) AdvanceDefault(string path, byte[]? given)
    {
        try
        {
            if (Path.GetDirectoryName(path) is { } directory && !Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
                else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (given, 1, $"{Path.GetDirectoryName(path)}: {FileErrorText.Describe(ex, Path.GetDirectoryName(path), "cannot be made")}");
        }
        try
        {
            var (id, boots) = Advance(path, given);
            return (id, boots, null);
        }
        catch (SockException ex)
        {
            return (given, 1, $"{path}: {ex.Reason}");
        }
    }

    /// <summary>The engine ID and boots for this run, written to <paramref name="path"/>.</summary>
    public static (byte[] EngineId, int Boots) Advance(string path, byte[]? given)
    {
        var (oldId, oldBoots) = Read(path);
        var id = given ?? oldId ?? SnmpEngineId.Generate();
        // RFC 3414 §2.2.2: boots stops at 2147483647 (the engine must then be given a new ID).
        var boots = oldId is not null && oldId.AsSpan().SequenceEqual(id) ? (int)Math.Min(int.MaxValue, (long)oldBoots + 1) : 1;
        Write(path, id, boots);
        return (id, boots);
    }

    private static (byte[]? Id, int Boots) Read(string path)
    {
        string[] lines;
        try
        {
            if (!File.Exists(path)) return (null, 0);
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("--engine-boots-file", path, FileErrorText.Describe(ex, path, "cannot be read"));
        }
        byte[]? id = null;
        var boots = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var words = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || words[0].StartsWith('#')) continue;
            string Bad(string why) => throw SockException.Usage("--engine-boots-file", path, $"line {i + 1}: {why}");
            switch (words[0])
            {
                case "engineBoots" when words.Length == 2:
                    if (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out boots) || boots < 1) Bad("engineBoots is 1 to 2147483647");
                    break;
                case "oldEngineID" when words.Length == 2:
                    if (!SnmpEngineId.TryParse(words[1], out var parsed, out var why)) Bad(why);
                    id = parsed;
                    break;
                default:
                    Bad("expected engineBoots N or oldEngineID 0xHEX");
                    break;
            }
        }
        return (boots > 0 ? id : null, boots);
    }

    private static void Write(string path, byte[] id, int boots)
    {
        var text = $"# sock agent's SNMPv3 engine state, as net-snmp keeps it (written at each start)\nengineBoots {boots.ToString(CultureInfo.InvariantCulture)}\noldEngineID {SnmpEngineId.Format(id)}\n";
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllText(temporary, text);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("--engine-boots-file", path, FileErrorText.Describe(ex, path, "cannot be written"));
        }
    }
}
