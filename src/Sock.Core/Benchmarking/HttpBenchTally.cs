namespace Sock.Core.Benchmarking;

/// <summary>
/// One connection's counts of an HTTP run: responses by status, failed requests by kind, reconnects, unfinished. Each
/// connection keeps its own (no sharing on the hot path); the run adds them up at the end.
/// </summary>
internal sealed class HttpBenchTally
{
    private readonly long[] _statuses = new long[600];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);

    public long Reconnects { get; set; }

    public long Unfinished { get; set; }

    public void Response(int status) => _statuses[Math.Clamp(status, 0, 599)]++;

    public void Error(string kind, long requests = 1)
    {
        if (requests > 0) _errors[kind] = _errors.GetValueOrDefault(kind) + requests;
    }

    /// <summary>The sum of <paramref name="tallies"/> as the report gives it.</summary>
    public static HttpBenchSummary Sum(IEnumerable<HttpBenchTally> tallies, string version, string client)
    {
        var statuses = new long[600];
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long reconnects = 0, unfinished = 0;
        foreach (var t in tallies)
        {
            lock (t)
            {
                for (var i = 0; i < statuses.Length; i++) statuses[i] += t._statuses[i];
                foreach (var (k, v) in t._errors) errors[k] = errors.GetValueOrDefault(k) + v;
                reconnects += t.Reconnects;
                unfinished += t.Unfinished;
            }
        }
        var byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long answered = 0, non2xx3xx = 0;
        for (var i = 0; i < statuses.Length; i++)
        {
            if (statuses[i] == 0) continue;
            byStatus[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = statuses[i];
            answered += statuses[i];
            if (i is < 200 or >= 400) non2xx3xx += statuses[i];
        }
        return new HttpBenchSummary
        {
            Requests = answered + errors.Values.Sum(),
            Statuses = byStatus,
            Non2xx3xx = non2xx3xx,
            Errors = errors,
            Reconnects = reconnects,
            Unfinished = unfinished,
            Version = version,
            Client = client,
        };
    }
}
