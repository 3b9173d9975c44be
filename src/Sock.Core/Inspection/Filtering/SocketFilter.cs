namespace Sock.Core.Inspection.Filtering;

/// <summary>
/// A filter in ss's language: a leading state filter (<c>state established</c>, <c>exclude time-wait</c>, the
/// groups all, connected, synchronized, bucket, big) and an expression over ports, addresses and states
/// (<c>sport = :8080</c>, <c>dport &gt;= :1024</c>, <c>dst 127.0.0.0/8</c>, <c>src [::1]:22</c>, and/or/not,
/// parentheses). Bad input is a usage error that names the offending word.
/// </summary>
public sealed class SocketFilter
{
    internal SocketFilter(uint? states, FilterNode? expression, string text)
    {
        States = states;
        Expression = expression;
        Text = text;
    }

    /// <summary>The filter that keeps everything.</summary>
    public static SocketFilter None { get; } = new(null, null, "");

    /// <summary>The state mask the leading state/exclude words gave; null when there were none (use the default).</summary>
    public uint? States { get; }

    /// <summary>The filter as typed.</summary>
    public string Text { get; }

    internal FilterNode? Expression { get; }

    /// <summary>True when there is an expression beyond the state filter.</summary>
    public bool HasExpression => Expression is not null;

    /// <summary>Parses the words after the options, as the shell split them (or one string with spaces).</summary>
    public static SocketFilter Parse(IEnumerable<string> words) => SocketFilterParser.Parse(string.Join(' ', words));

    /// <summary>Parses a filter written as one string.</summary>
    public static SocketFilter Parse(string text) => SocketFilterParser.Parse(text);

    /// <summary>True when <paramref name="row"/> passes the state filter (if any) and the expression.</summary>
    public bool Matches(SocketTableEntry row) =>
        (States is not { } s || (SocketStates.BitOf(row.State) & s) != 0) && (Expression?.Matches(row) ?? true);
}
