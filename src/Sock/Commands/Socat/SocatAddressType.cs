using System.Net.Sockets;

namespace Sock.Cli.Commands;

/// <summary>What kind of end an address type opens.</summary>
internal enum SocatKind
{
    Stdio,
    Connect,
    Listen,
    Program,
    File,
    Pipe,
    Pty,
}

/// <summary>
/// A socat address type sock supports: its canonical keyword and aliases (socat's spelling: TCP, TCP4, TCP6 …), how
/// many parameters it takes, which options apply to it, and what it opens.
/// </summary>
internal sealed record SocatAddressType(string Name, string[] Aliases, int MinParameters, int MaxParameters, SocatKind Kind, string[] Options)
{
    /// <summary>The family its keyword asks for (TCP4 → IPv4, TCP6 → IPv6), given the keyword the user typed.</summary>
    public static AddressFamily FamilyOf(string keyword) =>
        keyword.Contains('4', StringComparison.Ordinal) ? AddressFamily.InterNetwork
        : keyword.Contains('6', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;

    /// <summary>The transport under it: tcp, udp, unix, abstract, openssl; null for the rest.</summary>
    public bool IsUdp => Name.StartsWith("UDP", StringComparison.Ordinal);
    public bool IsUnix => Name.StartsWith("UNIX", StringComparison.Ordinal);
    public bool IsAbstract => Name.StartsWith("ABSTRACT", StringComparison.Ordinal);
    public bool IsTls => Name.StartsWith("OPENSSL", StringComparison.Ordinal);

    /// <summary>Whether fork applies (a listening or receiving address).</summary>
    public bool Listens => Kind == SocatKind.Listen;
}
