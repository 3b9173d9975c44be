using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Services;

namespace Sock.Core.Inspection.Filtering;

/// <summary>
/// Recursive descent over ss's filter grammar: or binds loosest, then and (also implied between two terms), then
/// not. Every error names the word it stopped at and its position. Parentheses and not nest at most
/// <see cref="MaxDepth"/> deep, so no filter can run the parser (or the matching) out of stack.
/// </summary>
internal sealed class SocketFilterParser
{
    /// <summary>How deep parentheses and not may nest; far beyond any filter a person writes.</summary>
    public const int MaxDepth = 256;

    private readonly List<string> _tokens;
    private int _pos;
    private int _depth;

    private SocketFilterParser(List<string> tokens) => _tokens = tokens;

    public static SocketFilter Parse(string text)
    {
        var p = new SocketFilterParser(Tokenize(text));
        uint? states = null;
        while (p.Peek() is { } w && (Is(w, "state") || Is(w, "exclude") || Is(w, "excl")))
        {
            p._pos++;
            var mask = p.StateWord(w);
            states = Is(w, "state") ? (states ?? 0) | mask : (states ?? SocketStates.All) & ~mask;
        }
        FilterNode? expr = null;
        if (p.Peek() is not null)
        {
            expr = p.Or();
            if (p.Peek() is { } extra)
                throw p.Error(extra, extra == ")" ? "a closing parenthesis without an opening one" : "unexpected here");
        }
        return new SocketFilter(states, expr, text.Trim());
    }

    private FilterNode Or()
    {
        var terms = new List<FilterNode> { And() };
        while (Peek() is { } w && (Is(w, "or") || w is "||" or "|"))
        {
            _pos++;
            terms.Add(And(w));
        }
        return terms.Count == 1 ? terms[0] : new OrNode(terms);
    }

    private FilterNode And(string? after = null)
    {
        var terms = new List<FilterNode> { Unary(after) };
        while (Peek() is { } w && !(Is(w, "or") || w is "||" or "|" or ")"))
        {
            if (Is(w, "and") || w is "&&" or "&") { _pos++; terms.Add(Unary(w)); }
            else terms.Add(Unary(null));
        }
        return terms.Count == 1 ? terms[0] : new AndNode(terms);
    }

    private FilterNode Unary(string? after)
    {
        var w = Next() ?? throw EndError(after is null ? "a condition" : $"a condition after '{after}'");
        if (Is(w, "not") || w == "!" || w == "(")
        {
            if (++_depth > MaxDepth)
                throw SockException.Usage("filter", $"at word {_pos} '{w}'", $"nested more than {MaxDepth} deep (parentheses and not)");
            try
            {
                if (w != "(") return new NotNode(Unary(w));
                var inner = Or();
                if (Next() is null) throw EndError("')' to close the parenthesis");
                return inner;
            }
            finally
            {
                _depth--;
            }
        }
        if (w == ")") throw Error(w, "a closing parenthesis where a condition was expected");
        if (Is(w, "sport") || Is(w, "dport"))
        {
            var op = Op(w, allowOrder: true);
            var value = Next() ?? throw EndError($"a port after '{w} {OpText(op)}'");
            return new PortNode(Is(w, "sport"), op, PortValue(value, w));
        }
        if (Is(w, "src") || Is(w, "dst"))
        {
            var negate = false;
            if (Peek() is { } o && IsOp(o, out var op))
            {
                if (op is not (CompareOp.Eq or CompareOp.Ne)) throw Error(o, $"'{w}' takes = or != (use sport/dport to compare ports)");
                _pos++;
                negate = op == CompareOp.Ne;
            }
            var value = Next() ?? throw EndError($"an address after '{w}'");
            FilterNode node = Host(Is(w, "src"), value);
            return negate ? new NotNode(node) : node;
        }
        if (Is(w, "state")) return new StateNode(StateWord(w));
        if (Is(w, "exclude") || Is(w, "excl")) return new NotNode(new StateNode(StateWord(w)));
        throw Error(w, "unknown word (a condition is sport, dport, src, dst or state; join them with and, or, not and parentheses)");
    }

    private uint StateWord(string keyword)
    {
        var w = Next() ?? throw EndError($"a state after '{keyword}' ({string.Join(", ", SocketStates.FilterWords)})");
        return SocketStates.FromFilterWord(w)
            ?? throw Error(w, $"not a state (states: {string.Join(", ", SocketStates.FilterWords)})");
    }

    private CompareOp Op(string keyword, bool allowOrder)
    {
        var o = Peek();
        if (o is not null && IsOp(o, out var op)) { _pos++; return op; }
        // ss also takes "sport :22" meaning equality.
        if (o is not null && (o.StartsWith(':') || char.IsAsciiDigit(o[0]))) return CompareOp.Eq;
        if (o is null) throw EndError($"an operator after '{keyword}' (=, !=, <, >, <=, >=)");
        _ = allowOrder;
        throw Error(o, $"not an operator after '{keyword}' (=, !=, <, >, <=, >=, eq, neq, lt, gt, le, ge)");
    }

    private static bool IsOp(string w, out CompareOp op)
    {
        op = w.ToLowerInvariant() switch
        {
            "=" or "==" or "eq" => CompareOp.Eq,
            "!=" or "ne" or "neq" => CompareOp.Ne,
            "<" or "lt" => CompareOp.Lt,
            ">" or "gt" => CompareOp.Gt,
            "<=" or "le" => CompareOp.Le,
            ">=" or "ge" => CompareOp.Ge,
            _ => (CompareOp)(-1),
        };
        return (int)op >= 0;
    }

    private static string OpText(CompareOp op) => op switch
    {
        CompareOp.Eq => "=", CompareOp.Ne => "!=", CompareOp.Lt => "<", CompareOp.Gt => ">", CompareOp.Le => "<=", _ => ">=",
    };

    private int PortValue(string value, string keyword)
    {
        var text = value.StartsWith(':') ? value[1..] : value;
        if (text.Length == 0) throw Error(value, $"no port after ':' in '{keyword}'");
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            return port <= 65535 ? port : throw Error(value, "out of range (a port is a number from 0 to 65535)");
        return ServiceRegistry.Default.PortOf(text, "tcp") ?? ServiceRegistry.Default.PortOf(text, "udp")
            ?? throw Error(value, "not a port number or a known service name");
    }

    private HostNode Host(bool source, string value)
    {
        if (value.StartsWith('/') || value.StartsWith('@') || value.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
            return new HostNode(source, null, 0, null, value.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) ? value[5..] : value);
        string host;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0) throw Error(value, "an unclosed '[' in an IPv6 address");
            host = value[1..close];
            var rest = value[(close + 1)..];
            // [::1]/64 or [::1]:22
            if (rest.StartsWith('/')) { host += rest; rest = ""; }
            if (rest.StartsWith(':')) port = rest[1..];
            else if (rest.Length > 0) throw Error(value, "expected ':PORT' after ']'");
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':');
            host = value[..colon];
            port = value[(colon + 1)..];
        }
        else host = value; // an IPv4 address, or a bare IPv6 address with no port
        int? portValue = port is null or "*" ? null : PortValue(port, source ? "src" : "dst");
        if (host is "" or "*") return new HostNode(source, null, 0, portValue, null);
        var slash = host.IndexOf('/');
        var addrText = slash < 0 ? host : host[..slash];
        if (!IPAddress.TryParse(addrText, out var address) || (!addrText.Contains(':') && addrText.Count(c => c == '.') != 3))
            throw Error(value, "not an address (use 127.0.0.1, 10.0.0.0/8, [::1], [::1]:22, *:80 or :80)");
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(host[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
            throw Error(value, $"bad prefix length (0 to {max})");
        return new HostNode(source, address, prefix, portValue, null);
    }

    private string? Peek() => _pos < _tokens.Count ? _tokens[_pos] : null;
    private string? Next() => _pos < _tokens.Count ? _tokens[_pos++] : null;

    private static bool Is(string w, string keyword) => string.Equals(w, keyword, StringComparison.OrdinalIgnoreCase);

    private SockException Error(string word, string reason)
    {
        var index = _tokens.IndexOf(word, Math.Max(0, _pos - 1));
        if (index < 0) index = _tokens.IndexOf(word);
        return SockException.Usage("filter", $"at word {index + 1} '{word}'", reason);
    }

    private SockException EndError(string expected) =>
        SockException.Usage("filter", "at its end", $"expected {expected}");

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach (var w in text.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            // "!state" is "! state", as ss reads it. An index, not a shorter copy per '!', so a word of many is linear.
            var bang = 0;
            while (w.Length - bang > 1 && w[bang] == '!' && w[bang + 1] != '=')
            {
                tokens.Add("!");
                bang++;
            }
            var word = bang == 0 ? w : w[bang..];
            var start = 0;
            for (var i = 0; i < word.Length; i++)
            {
                if (word[i] is not ('(' or ')')) continue;
                if (i > start) tokens.Add(word[start..i]);
                tokens.Add(word[i].ToString());
                start = i + 1;
            }
            if (start < word.Length) tokens.Add(word[start..]);
        }
        return tokens;
    }
}
