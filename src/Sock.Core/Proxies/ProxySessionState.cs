namespace Sock.Core.Proxies;

/// <summary>A session as it runs (mutable, counted from two relay directions at once); <see cref="Snapshot"/> is its record.</summary>
internal sealed class ProxySessionState(long id, string client)
{
    private long _up;
    private long _down;

    public long Id { get; } = id;
    public string Client { get; } = client;
    public DateTimeOffset OpenedAt { get; } = DateTimeOffset.Now;
    public long StartedTicks { get; } = Environment.TickCount64;
    public string? Protocol { get; set; }
    public string? Command { get; set; }
    public string? User { get; set; }
    public string? Destination { get; set; }
    public string? Remote { get; set; }
    public string? Outcome { get; set; }
    public bool Refused { get; set; }

    /// <summary>The relayed pair once the relay runs: its counts are the session's (UDP counts its own).</summary>
    public Forwarding.ForwardSession? Relay { get; set; }

    public long BytesUp => Interlocked.Read(ref _up) + (Relay?.BytesToTarget ?? 0);
    public long BytesDown => Interlocked.Read(ref _down) + (Relay?.BytesToClient ?? 0);

    public void AddUp(long n) => Interlocked.Add(ref _up, n);
    public void AddDown(long n) => Interlocked.Add(ref _down, n);

    /// <summary>Marks the session refused for <paramref name="reason"/> (the first reason given stays).</summary>
    public void Refuse(string reason)
    {
        Outcome ??= reason;
        Refused = true;
    }

    public ProxySession Snapshot() => new()
    {
        Id = Id,
        Client = Client,
        Protocol = Protocol,
        Command = Command,
        User = User,
        Destination = Destination,
        Remote = Remote,
        BytesUp = BytesUp,
        BytesDown = BytesDown,
        OpenedAt = OpenedAt,
        Duration = TimeSpan.FromMilliseconds(Environment.TickCount64 - StartedTicks),
        Outcome = Outcome,
        Refused = Refused,
    };
}
