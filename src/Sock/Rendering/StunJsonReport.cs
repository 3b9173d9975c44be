namespace Sock.Cli.Rendering;

/// <summary>What `sock stun --json` prints: one Binding's result, endpoints spelled as people type them.</summary>
internal sealed record StunJsonReport(
    string Transport,
    string Server,
    string Local,
    string Mapped,
    bool BehindNat,
    string? ResponseOrigin,
    string? OtherAddress,
    string? Software,
    double RttMs,
    int Attempts,
    bool Fingerprint);
