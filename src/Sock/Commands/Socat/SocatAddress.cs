namespace Sock.Cli.Commands;

/// <summary>
/// One socat address as written and as read: the text, the type (its canonical name and the keyword the user typed),
/// the parameters after the keyword, and the options after the first comma, each by its canonical name.
/// </summary>
internal sealed record SocatAddress(string Text, string Keyword, SocatAddressType Type, IReadOnlyList<string> Parameters, IReadOnlyList<SocatOption> Options)
{
    /// <summary>The option's value as typed (null for a flag written without one); null when the option is absent.</summary>
    public SocatOption? Option(string name) => Options.LastOrDefault(o => o.Name == name);

    /// <summary>Whether a flag option is on (socat's bool: present without a value, or =1/yes/true).</summary>
    public bool Flag(string name) => Option(name) is { } o && o.Flag;
}

/// <summary>An address option: its canonical name, what the user wrote it as, and its value (null: written without one).</summary>
internal sealed record SocatOption(string Name, string Written, string? Value)
{
    /// <summary>The option read as socat's bool.</summary>
    public bool Flag => Value is null || Value is "1" or "yes" or "true" or "on";
}
