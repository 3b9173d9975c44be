using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>
/// One line of `sock forward --json` (NDJSON on stdout): <see cref="Event"/> says which, and only that event's fields are
/// present. listening (address, target, kind), certificate (subject, fingerprint, temporary), opened and closed (id,
/// kind, client, target, clientSocket and targetSocket: each leg's socket record; closed adds bytesToTarget,
/// bytesToClient, seconds, reason), refused (client, reason, id when a session had begun), retrying (id, client,
/// target, reason, attempt, delaySeconds), dropped (UDP: client, reason), status (sessions), stopping (open,
/// drainSeconds), stopped (forced, opened, refused, bytesToTarget, bytesToClient), lost (lines: events lost because
/// stdout was not being read).
/// </summary>
internal sealed record ForwardEvent
{
    public required string Event { get; init; }
    public required DateTimeOffset Time { get; init; }
    public string? Address { get; init; }
    public string? Kind { get; init; }
    public long? Id { get; init; }
    public string? Client { get; init; }
    public string? Target { get; init; }
    public SocketRecord? ClientSocket { get; init; }
    public SocketRecord? TargetSocket { get; init; }
    public long? BytesToTarget { get; init; }
    public long? BytesToClient { get; init; }
    public double? Seconds { get; init; }
    public string? Reason { get; init; }
    public int? Attempt { get; init; }
    public double? DelaySeconds { get; init; }
    public string? Subject { get; init; }
    public string? Fingerprint { get; init; }
    public bool? Temporary { get; init; }
    public List<ForwardEvent>? Sessions { get; init; }
    public int? Open { get; init; }
    public double? DrainSeconds { get; init; }
    public int? Forced { get; init; }
    public long? Opened { get; init; }
    public long? Refused { get; init; }
    public long? Lines { get; init; }
}
