using System.Globalization;
using Sock.Core.Errors;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>
/// sock agent --engine-boots-file: the SNMPv3 engine's state kept across runs, in net-snmp's words (snmpd keeps the same
/// two lines in /var/lib/snmp/snmpd.conf): "engineBoots N" and "oldEngineID 0xHEX". At each start the engine ID is the
/// file's (unless --engine-id gives another) and engineBoots one more than the file's (1 for a new engine ID), and the file
/// is written back before the agent serves, so a crash never reuses a boot number.
/// </summary>
internal static class AgentEngineState
{
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
