using System.Globalization;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Snmp;

/// <summary>
/// The users file of <c>sock agent --users</c>: net-snmp's snmpd.conf lines for USM users, so a file written for
/// snmpd reads the same here.
/// <code>
/// createUser NAME [MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 AUTHPASS [AES [PRIVPASS]]]
/// rouser NAME [noauth|auth|priv]
/// rwuser NAME [noauth|auth|priv]
/// </code>
/// As in snmpd, PRIVPASS defaults to AUTHPASS, a phrase may be quoted ("two words"), # starts a comment, and rouser's
/// level defaults to auth. Unlike snmpd, a user without a rouser line may read too, at authNoPriv and above (at any
/// level when it has no password): the agent is read-only and serves one view. What sock cannot honour is refused
/// with the line's number, never ignored: DES, keys given instead of passwords (-l, -m), -e, views on rouser.
/// </summary>
internal static class UsmUserFile
{
    public static IReadOnlyList<UsmUser> Parse(string text, string path)
    {
        var users = new List<UsmUser>();
        var levels = new Dictionary<string, SnmpSecurityLevel>(StringComparer.Ordinal);
        var writers = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            SockException Bad(string why) => SockException.Usage("users file", string.Create(CultureInfo.InvariantCulture, $"{path}:{number}"), why);
            var words = Words(raw.TrimEnd('\r'), out var unterminated);
            if (unterminated) throw Bad("a quoted phrase is not closed");
            if (words.Count == 0) continue;
            switch (words[0].ToLowerInvariant())
            {
                case "createuser":
                    users.Add(CreateUser(words, Bad));
                    break;
                case "rouser":
                case "rwuser":
                    var directive = words[0].ToLowerInvariant();
                    if (words.Count > 1 && words[1].StartsWith('-'))
                        throw Bad($"{directive} option {words[1]} is not supported (USM is the only security model)");
                    if (words.Count < 2) throw Bad($"{directive} needs a user name");
                    if (words.Count > 3) throw Bad($"{directive} with an OID or view is not supported: every user reads the whole of what the agent serves");
                    var level = SnmpSecurityLevel.AuthNoPriv;
                    if (words.Count == 3 && !UsmNames.TryParseLevel(words[2], out level, out _))
                        throw Bad($"{directive} level {words[2]}: the level is noauth, auth or priv");
                    levels[words[1]] = level;
                    if (directive == "rwuser") writers.Add(words[1]);
                    break;
                default:
                    throw Bad($"{words[0]}: only createUser, rouser and rwuser lines are read (see 'sock agent --help')");
            }
        }
        foreach (var name in levels.Keys)
            if (users.All(u => u.Name != name))
                throw SockException.Usage("users file", path, $"{(writers.Contains(name) ? "rwuser" : "rouser")} {name}: no createUser line for that user");
        var result = new List<UsmUser>();
        foreach (var u in users)
        {
            var user = levels.TryGetValue(u.Name, out var min) ? u with { MinimumLevel = min, CanWrite = writers.Contains(u.Name) } : u;
            if (user.Problem() is { } problem) throw SockException.Usage("users file", path, $"user {u.Name}: {problem}");
            if (result.Any(r => r.Name == u.Name)) throw SockException.Usage("users file", path, $"user {u.Name} is created twice");
            result.Add(user);
        }
        return result;
    }

    private static UsmUser CreateUser(List<string> words, Func<string, SockException> bad)
    {
        var i = 1;
        if (words.Count > i && words[i].StartsWith('-'))
            throw bad(words[i] == "-e"
                ? "createUser -e: sock localises every user's keys to its own engine ID (give it with --engine-id)"
                : $"createUser {words[i]}: keys instead of passwords are not supported; give the passwords");
        if (words.Count <= i) throw bad("createUser needs a user name");
        var user = new UsmUser(words[i++]);
        if (words.Count == i) return user;
        if (!UsmNames.TryParseAuth(words[i], out var auth, out var why)) throw bad($"{words[i]}: {why}");
        if (words.Count == ++i) throw bad("createUser: the authentication password is missing");
        user = user with { AuthProtocol = auth, AuthPassword = words[i++] };
        if (words.Count == i) return user;
        if (!UsmNames.TryParsePriv(words[i], out var priv, out why)) throw bad(why.StartsWith("the privacy", StringComparison.Ordinal) ? $"{words[i]}: {why}" : why);
        i++;
        user = user with { PrivProtocol = priv, PrivPassword = words.Count > i ? words[i++] : user.AuthPassword };
        if (words.Count > i) throw bad($"createUser: unexpected {words[i]} after the privacy password");
        return user;
    }

    // Words as net-snmp's copy_nword splits them: blanks separate, double or single quotes group, # outside quotes ends the line.
    private static List<string> Words(string line, out bool unterminated)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var ch in line)
        {
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0';
                else current.Append(ch);
                continue;
            }
            if (ch == '#') break;
            if (ch is '"' or '\'') { quote = ch; inWord = true; continue; }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            current.Append(ch);
            inWord = true;
        }
        unterminated = quote != '\0';
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
