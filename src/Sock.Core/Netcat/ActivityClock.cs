namespace Sock.Core.Netcat;

/// <summary>
/// When a relay last moved data, and a wait that ends once it has been quiet for a given time (-i, -q, UDP linger).
/// Written from the copy loops, read from the idle watch: one volatile tick count, no lock.
/// </summary>
internal sealed class ActivityClock
{
    private long _last = Environment.TickCount64;

    /// <summary>Environment.TickCount64 at the last activity.</summary>
    public long Last => Volatile.Read(ref _last);

    /// <summary>Notes activity now.</summary>
    public void Touch() => Volatile.Write(ref _last, Environment.TickCount64);

    /// <summary>Completes once nothing has happened for <paramref name="idle"/>; activity meanwhile pushes the end back.</summary>
    public async Task WaitIdleAsync(TimeSpan idle, CancellationToken ct)
    {
        var ms = (long)idle.TotalMilliseconds;
        while (true)
        {
            var since = Environment.TickCount64 - Last;
            if (since >= ms) return;
            await Task.Delay(TimeSpan.FromMilliseconds(ms - since), ct).ConfigureAwait(false);
        }
    }
}
