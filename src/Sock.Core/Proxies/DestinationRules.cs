using System.Net;

namespace Sock.Core.Proxies;

/// <summary>
/// Where a proxy may connect: rules (<see cref="DestinationRule"/>) tried in order, the first that matches decides, as
/// dante's and a firewall's rules do; a destination no rule matches gets the default — deny when there is an allow rule
/// (a list of what is allowed means only that, as ncat's --allow), allow otherwise, unless a default is given. A name the
/// client asks for is checked with each address it resolves to: name rules see the name, address and range rules the
/// address.
/// </summary>
public sealed class DestinationRules
{
    private readonly IReadOnlyList<DestinationRule> _rules;

    private DestinationRules(IReadOnlyList<DestinationRule> rules, bool defaultAllow)
    {
        _rules = rules;
        DefaultAllow = defaultAllow;
    }

    /// <summary>No rules: every destination is allowed.</summary>
    public static DestinationRules AllowAll { get; } = new([], true);

    /// <summary>The rules in order.</summary>
    public IReadOnlyList<DestinationRule> Rules => _rules;

    /// <summary>What a destination no rule matches gets.</summary>
    public bool DefaultAllow { get; }

    /// <summary>
    /// Rules in the order given; <paramref name="defaultAllow"/> for destinations none matches (null: deny when any rule
    /// allows, allow otherwise).
    /// </summary>
    public static DestinationRules Create(IEnumerable<DestinationRule> rules, bool? defaultAllow = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var list = rules.ToList();
        return new DestinationRules(list, defaultAllow ?? !list.Any(r => r.Allow));
    }

    /// <summary>
    /// The verdict for <paramref name="name"/> (null when the client gave an address) at <paramref name="address"/> on
    /// <paramref name="port"/>: null allows, otherwise the reason it is refused ("denied by --deny-dest 10.0.0.0/8").
    /// </summary>
    public string? Refusal(string? name, IPAddress address, int port)
    {
        foreach (var r in _rules)
        {
            if (r.Matches(name, address, port) != true) continue;
            return r.Allow ? null : $"denied by --deny-dest {r.Text}";
        }
        return DefaultAllow ? null : "not on any --allow-dest list (destinations are denied by default)";
    }

    /// <summary>
    /// Before resolving <paramref name="name"/>: a refusal when the rules already decide against it whatever its
    /// addresses (a deny rule that matches the name, ahead of any address rule), so a denied name is never looked up.
    /// </summary>
    internal string? RefusalBeforeResolving(string name, int port)
    {
        foreach (var r in _rules)
        {
            switch (r.Matches(name, null, port))
            {
                case null: return null; // an address rule comes first: only the addresses can tell
                case true: return r.Allow ? null : $"denied by --deny-dest {r.Text}";
            }
        }
        return DefaultAllow ? null : "not on any --allow-dest list (destinations are denied by default)";
    }
}
