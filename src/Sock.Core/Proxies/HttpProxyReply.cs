using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// An HTTP proxy's reply head, parsed strictly (RFC 9112): a status line <c>HTTP/1.x NNN reason</c>, header fields
/// <c>name: value</c> with a token for a name, every line ended by CRLF, no line folding, no control characters.
/// Anything else is refused with what is wrong, rather than guessed at.
/// </summary>
/// <param name="Status">The status code.</param>
/// <param name="Reason">The reason phrase (may be empty).</param>
/// <param name="Fields">The header fields in order, names as sent.</param>
internal sealed record HttpProxyReply(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The most header fields a reply may have.</summary>
    public const int MaxFields = 100;

    /// <summary>The values of every field named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IEnumerable<string> Values(string name) =>
        Fields.Where(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    /// <summary>
    /// Parses <paramref name="head"/> (ending with the empty line); returns null and says why in
    /// <paramref name="error"/> when it is not a well-formed HTTP/1.x reply head.
    /// </summary>
    public static HttpProxyReply? Parse(ReadOnlySpan<byte> head, out string error)
    {
        var text = Encoding.Latin1.GetString(head);
        error = "";
        if (!text.EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            error = "its header does not end with CRLF CRLF (a bare LF line end?)";
            return null;
        }
        var lines = text[..^4].Split("\r\n");
        if (lines.Any(l => l.Contains('\n') || l.Contains('\r')))
        {
            error = "a bare CR or LF in its header (RFC 9112 ends lines with CRLF)";
            return null;
        }
        var status = lines[0];
        // HTTP-version SP status-code SP [reason-phrase]; the last SP is missing from some old servers when the reason is empty.
        if (status.Length < 12 || !status.StartsWith("HTTP/1.", StringComparison.Ordinal) || !char.IsAsciiDigit(status[7])
            || status[8] != ' ' || status.AsSpan(9, 3).ContainsAnyExceptInRange('0', '9')
            || (status.Length > 12 && status[12] != ' '))
        {
            error = $"not an HTTP/1.x status line: \"{Printable(status)}\"";
            return null;
        }
        var code = int.Parse(status.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var reason = status.Length > 13 ? status[13..] : "";
        if (code < 100 || reason.Any(c => char.IsControl(c) && c != '\t'))
        {
            error = $"not an HTTP/1.x status line: \"{Printable(status)}\"";
            return null;
        }
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length > 0 && line[0] is ' ' or '\t')
            {
                error = "a folded header line (obsolete line folding is refused, RFC 9112 §5.2)";
                return null;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line.AsSpan(0, colon).ToString().All(IsTokenChar))
            {
                error = $"a malformed header field: \"{Printable(line)}\"";
                return null;
            }
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => char.IsControl(c) && c != '\t'))
            {
                error = $"a control character in the header field {line[..colon]}";
                return null;
            }
            if (fields.Count == MaxFields)
            {
                error = $"more than {MaxFields} header fields";
                return null;
            }
            fields.Add(new(line[..colon], value));
        }
        return new HttpProxyReply(code, reason, fields);
    }

    /// <summary>RFC 9110's tchar: what a token (a field name, a scheme, a parameter name) is made of.</summary>
    internal static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static string Printable(string s)
    {
        var t = new string([.. s.Select(c => char.IsControl(c) ? '?' : c)]);
        return t.Length > 80 ? t[..80] + "…" : t;
    }
}
