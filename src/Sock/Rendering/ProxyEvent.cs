namespace Sock.Cli.Rendering;

/// <summary>
/// One line of `sock proxy --json` (NDJSON on stdout): <see cref="Event"/> says which, and only that event's fields are
/// present. listening (address), session (-v: a session that ended, relayed or refused), rejected (-v: a client refused
/// at accept: remote, reason), status (sessions: those open now), stopping (open, drainSeconds), stopped (forced),
/// dropped (lines: events lost because stdout was not being read).
/// </summary>
internal sealed record ProxyEvent
{
    public required string Event { get; init; }
    public required DateTimeOffset Time { get; init; }
    public string? Address { get; init; }
    public string? Remote { get; init; }
    public string? Reason { get; init; }
    public ProxyJsonSession? Session { get; init; }
    public List<ProxyJsonSession>? Sessions { get; init; }
    public int? Open { get; init; }
    public double? DrainSeconds { get; init; }
    public int? Forced { get; init; }
    public long? Lines { get; init; }
}

/// <summary>A session in JSON: <see cref="Sock.Core.Proxies.ProxySession"/> with its duration in seconds.</summary>
internal sealed record ProxyJsonSession(long Id, string Client, string? Protocol, string? Command, string? User, string? Destination,
    string? Remote, long BytesUp, long BytesDown, DateTimeOffset OpenedAt, double Seconds, string? Outcome, bool Refused)
{
    public static ProxyJsonSession From(Sock.Core.Proxies.ProxySession s) =>
        new(s.Id, s.Client, s.Protocol, s.Command, s.User, s.Destination, s.Remote, s.BytesUp, s.BytesDown, s.OpenedAt,
            Math.Round(s.Duration.TotalSeconds, 3), s.Outcome, s.Refused);
}
