using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// One challenge of a <c>Proxy-Authenticate</c> field (RFC 9110 §11.6.1): a scheme (Basic, Digest…) and its
/// parameters, names lower-cased, quoted values unquoted.
/// </summary>
/// <param name="Scheme">The auth-scheme as sent.</param>
/// <param name="Parameters">The auth-params.</param>
internal sealed record HttpAuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>True for <paramref name="scheme"/> (case-insensitive).</summary>
    public bool Is(string scheme) => string.Equals(Scheme, scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>A parameter's value, or null.</summary>
    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// Every challenge in <paramref name="values"/> (each a field value; one value may hold several challenges, comma
    /// separated). What cannot be read ends the parse: the challenges before it are kept.
    /// </summary>
    public static List<HttpAuthChallenge> ParseAll(IEnumerable<string> values)
    {
        var all = new List<HttpAuthChallenge>();
        foreach (var value in values) Parse(value, all);
        return all;
    }

    private static void Parse(string s, List<HttpAuthChallenge> into)
    {
        var i = 0;
        while (true)
        {
            SkipSeparators(s, ref i);
            var scheme = Token(s, ref i);
            if (scheme.Length == 0) return;
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            into.Add(new HttpAuthChallenge(scheme, parameters));
            while (true)
            {
                SkipSpaces(s, ref i);
                var start = i;
                var name = Token(s, ref i);
                SkipSpaces(s, ref i);
                if (name.Length == 0 || i >= s.Length || s[i] != '=')
                {
                    // Not name=value: the next challenge's scheme.
                    i = start;
                    break;
                }
                i++;
                SkipSpaces(s, ref i);
                string? v;
                if (i < s.Length && s[i] == '"') v = Quoted(s, ref i);
                else v = Token(s, ref i);
                if (v is null) return;
                parameters[name] = v;
                SkipSpaces(s, ref i);
                if (i < s.Length && s[i] == ',')
                {
                    i++;
                    continue;
                }
                break;
            }
        }
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',') i++;
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t') i++;
    }

    private static string Token(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && HttpProxyReply.IsTokenChar(s[i])) i++;
        return s[start..i];
    }

    private static string? Quoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++; // the opening quote
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '"') return sb.ToString();
            if (c == '\\')
            {
                if (i >= s.Length) return null;
                c = s[i++];
            }
            sb.Append(c);
        }
        return null; // no closing quote
    }
}
