namespace Sock.Core.Benchmarking;

/// <summary>
/// What an HTTP run got back: every request that reached an outcome is counted once, either as a response (by status)
/// or as an error (by kind), so <see cref="Requests"/> = the sum of <see cref="Statuses"/> + the sum of <see cref="Errors"/>.
/// </summary>
public sealed record HttpBenchSummary
{
    /// <summary>Requests that reached an outcome in the measured time: answered, or failed.</summary>
    public long Requests { get; init; }

    /// <summary>Responses by status code ("200": n).</summary>
    public required IReadOnlyDictionary<string, long> Statuses { get; init; }

    /// <summary>Responses whose status was not 2xx or 3xx (as wrk's "Non-2xx or 3xx responses").</summary>
    public long Non2xx3xx { get; init; }

    /// <summary>Failed requests by kind: connect, read, write, closed (the server closed with requests unanswered), malformed, timeout.</summary>
    public required IReadOnlyDictionary<string, long> Errors { get; init; }

    /// <summary>Connections opened after the first ones (the server closed one, as an HTTP/1.0 server does after each response).</summary>
    public long Reconnects { get; init; }

    /// <summary>Requests still in flight when the run ended (neither answered nor failed; not in <see cref="Requests"/>).</summary>
    public long Unfinished { get; init; }

    /// <summary>The HTTP version spoken: HTTP/1.1 or HTTP/2.</summary>
    public required string Version { get; init; }

    /// <summary>Who wrote the requests and read the responses: "sock" (its own HTTP/1.1 writer and reader) or "HttpClient".</summary>
    public required string Client { get; init; }
}
