namespace Sock.Cli.Rendering;

/// <summary>What `sock stun --behavior --json` prints: RFC 5780's findings, endpoints spelled as people type them.</summary>
internal sealed record NatBehaviorJsonReport(
    string Server,
    string Other,
    string Local,
    string Mapped,
    string? MappedViaOtherAddress,
    string? MappedViaOtherAddressAndPort,
    string Mapping,
    string Filtering,
    bool AnsweredFromOtherAddress,
    bool AnsweredFromOtherPort,
    string Meaning);
