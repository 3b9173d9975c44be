using System.Text;
using Sock.Core.Errors;

namespace Sock.Cli.Commands;

/// <summary>
/// Reads one socat address as socat's lexer does: the keyword and its parameters separated by ':', options after the
/// first ',' separated by ','; inside quotes ('…', "…") or brackets ([…], (…), {…}, nested) neither ':' nor ',' separates,
/// and '\' escapes the next character. Quotes and escapes are removed, brackets kept (TCP6:[::1]:80). Without a
/// keyword, '-' is STDIO and a word with '/' before its first ':' or ',' is a file (GOPEN), as in socat. Everything
/// unsupported — a type, an option, an option on a type it does not apply to, a dual address — is a usage error naming it.
/// </summary>
internal static class SocatAddressParser
{
    public static SocatAddress Parse(string text)
    {
        if (text.Length == 0) throw Bad(text, "an address is empty");
        var segments = Split(text, ',');
        var head = segments[0];
        string keyword;
        List<string> parameters;
        var rawHead = RawHead(text);
        if (rawHead == "-")
        {
            keyword = "-";
            parameters = [];
        }
        else if (rawHead.Length > 0 && char.IsAsciiDigit(rawHead[0]) && rawHead.All(char.IsAsciiDigit))
        {
            throw Bad(text, $"FD addresses ({rawHead}) are not supported by sock socat");
        }
        else if (rawHead.IndexOf('/', StringComparison.Ordinal) is var slash && slash >= 0
                 && (rawHead.IndexOf(':', StringComparison.Ordinal) is var colon && (colon < 0 || slash < colon)))
        {
            keyword = "GOPEN";
            parameters = [Unquote(head)];
        }
        else
        {
            var parts = Split(head, ':');
            keyword = Unquote(parts[0]);
            parameters = parts.Skip(1).Select(Unquote).ToList();
        }
        if (keyword.Length == 0) throw Bad(text, "no address type before ':'");
        var type = SocatAddressTypes.Find(keyword);
        if (type is null)
        {
            if (SocatAddressTypes.Unsupported.Contains(keyword))
                throw Bad(text, $"address type {keyword.ToUpperInvariant()} is not supported by sock socat (supported: {SocatAddressTypes.SupportedList})");
            throw Bad(text, $"unknown address type '{keyword}' (supported: {SocatAddressTypes.SupportedList})");
        }
        // EXEC and SYSTEM take the rest of the line as their command, colons and all.
        if (type.Kind == SocatKind.Program && parameters.Count > 1) parameters = [string.Join(':', parameters)];
        if (parameters.Count < type.MinParameters || parameters.Count > type.MaxParameters)
            throw Bad(text, $"{type.Name} takes {Count(type)}, not {parameters.Count}");
        var options = new List<SocatOption>();
        foreach (var raw in segments.Skip(1))
        {
            if (raw.Length == 0) continue;
            var eq = IndexOutside(raw, '=');
            var written = Unquote(eq < 0 ? raw : raw[..eq]);
            var value = eq < 0 ? null : Unquote(raw[(eq + 1)..]);
            if (!SocatAddressTypes.OptionNames.TryGetValue(written, out var name))
                throw Bad(text, $"option '{written}' is not supported by sock socat (supported: {string.Join(", ", SocatAddressTypes.OptionNames.Values.Distinct())})");
            if (!type.Options.Contains(name))
                throw Bad(text, $"option '{written}' does not apply to {type.Name} (it takes: {string.Join(", ", type.Options)})");
            options.Add(new SocatOption(name, written, value));
        }
        return new SocatAddress(text, keyword, type, parameters, options);
    }

    private static string Count(SocatAddressType t) =>
        t.MinParameters == t.MaxParameters
            ? t.MinParameters switch { 0 => "no parameters", 1 => "one parameter", _ => $"{t.MinParameters} parameters" }
            : $"{t.MinParameters} to {t.MaxParameters} parameters";

    private static SockException Bad(string text, string reason) => SockException.Usage("socat address", $"'{text}'", reason);

    /// <summary>The head as typed (up to the first top-level ','), for the FD and file forms, which socat decides before unquoting.</summary>
    private static string RawHead(string text) => Split(text, ',')[0];

    /// <summary>Splits at <paramref name="separator"/> outside quotes and brackets; fails on "!!" (a dual address) and on an unclosed quote or bracket.</summary>
    private static List<string> Split(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var closers = new Stack<char>();
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                current.Append(c);
                if (c == '\\' && quote == '"' && i + 1 < text.Length) current.Append(text[++i]);
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
                continue;
            }
            if (c is '\'' or '"') { quote = c; current.Append(c); continue; }
            if (c is '[' or '(' or '{') { closers.Push(c switch { '[' => ']', '(' => ')', _ => '}' }); current.Append(c); continue; }
            if (closers.Count > 0 && c == closers.Peek()) { closers.Pop(); current.Append(c); continue; }
            if (closers.Count == 0 && c == '!' && i + 1 < text.Length && text[i + 1] == '!')
                throw Bad(text, "dual addresses (ADDR!!ADDR) are not supported by sock socat");
            if (closers.Count == 0 && c == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (quote != '\0') throw Bad(text, $"a quote ({quote}) is not closed");
        if (closers.Count > 0) throw Bad(text, $"a bracket is not closed (expected '{closers.Peek()}')");
        parts.Add(current.ToString());
        return parts;
    }

    private static int IndexOutside(string s, char c)
    {
        char quote = '\0';
        var depth = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var x = s[i];
            if (quote != '\0') { if (x == quote) quote = '\0'; continue; }
            if (x == '\\') { i++; continue; }
            if (x is '\'' or '"') quote = x;
            else if (x is '[' or '(' or '{') depth++;
            else if (x is ']' or ')' or '}') depth--;
            else if (x == c && depth == 0) return i;
        }
        return -1;
    }

    /// <summary>Removes quotes and escapes; brackets stay.</summary>
    internal static string Unquote(string s)
    {
        if (s.IndexOfAny(['\'', '"', '\\']) < 0) return s;
        var sb = new StringBuilder(s.Length);
        char quote = '\0';
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < s.Length) sb.Append(s[++i]);
                else sb.Append(c);
                continue;
            }
            if (c is '\'' or '"') { quote = c; continue; }
            if (c == '\\' && i + 1 < s.Length) { sb.Append(s[++i]); continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
