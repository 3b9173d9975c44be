using Sock.Core.Serving;
using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>
/// One line of `sock serve --json` (NDJSON on stdout): <see cref="Event"/> says which, and only that event's fields are
/// present. serving (service, definedBy, protocol, address), opened and closed (socket: the socket's record, with its
/// totals and close reason when closed), datagrams (-v: one peer's UDP exchanges, at most one line a second per peer),
/// rejected and failed (-v), message (what a hello client said), status (sockets: the table), stopping (open,
/// drainSeconds), stopped (forced), dropped (lines: log events lost because stdout was not being read). With --ssl:
/// serving has tls true, certificate (subject, fingerprint: SHA-256 in hex, temporary: made at start), tls (-v: socket,
/// session: protocol, cipher suite, ALPN), refused (service, remote, layer "tls", reason: a failed handshake). serve http:
/// serving (service "http", protocol tcp or unix, address, url, root), request (remote, method, target, protocol, status, bytesOut: the
/// body's declared length, seconds, connection: the transport's connection id).
/// </summary>
internal sealed record ServeEvent
{
    public required string Event { get; init; }
    public required DateTimeOffset Time { get; init; }
    public string? Service { get; init; }
    public string? DefinedBy { get; init; }
    public string? Protocol { get; init; }
    public string? Address { get; init; }
    public string? Remote { get; init; }
    public string? Reason { get; init; }
    public string? Text { get; init; }
    public SocketRecord? Socket { get; init; }
    public List<SocketRecord>? Sockets { get; init; }
    public int? DatagramsIn { get; init; }
    public long? BytesIn { get; init; }
    public int? RepliesOut { get; init; }
    public long? BytesOut { get; init; }
    public double? Seconds { get; init; }
    public int? Open { get; init; }
    public double? DrainSeconds { get; init; }
    public int? Forced { get; init; }
    public long? Lines { get; init; }
    public bool? Tls { get; init; }
    public string? Subject { get; init; }
    public string? Fingerprint { get; init; }
    public bool? Temporary { get; init; }
    public string? Session { get; init; }
    public string? Layer { get; init; }
    public string? Root { get; init; }
    public string? Url { get; init; }
    public string? Method { get; init; }
    public string? Target { get; init; }
    public int? Status { get; init; }
    public string? Connection { get; init; }
}
