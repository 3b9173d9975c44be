namespace Sock.Core.Proxies;

/// <summary>
/// One client's session through the proxy, as it stands at one moment or as it ended: who (client address, user), how
/// (protocol and command), where to (the destination asked for and the address connected to), how much went each way,
/// how long, and how it ended.
/// </summary>
public sealed record ProxySession
{
    /// <summary>The server's number for the client's connection (the id in the socket table).</summary>
    public required long Id { get; init; }

    /// <summary>The client's address (127.0.0.1:40000, [::1]:40000, or a Unix socket's peer).</summary>
    public required string Client { get; init; }

    /// <summary>"socks5", "socks4", "socks4a", "http"; null before the first byte told which.</summary>
    public string? Protocol { get; init; }

    /// <summary>"connect", "udp-associate" (SOCKS5), "get", "post"… (HTTP forwarding: the method in lower case).</summary>
    public string? Command { get; init; }

    /// <summary>The user that authenticated, if any.</summary>
    public string? User { get; init; }

    /// <summary>The destination as the client asked for it (host:port, [v6]:port).</summary>
    public string? Destination { get; init; }

    /// <summary>The address the proxy connected to for it (or the UDP relay's address, for UDP ASSOCIATE).</summary>
    public string? Remote { get; init; }

    /// <summary>Bytes from the client to the destination (after the handshake; for UDP, the datagrams' payloads).</summary>
    public long BytesUp { get; init; }

    /// <summary>Bytes from the destination to the client.</summary>
    public long BytesDown { get; init; }

    /// <summary>When the client connected.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>How long the session lasted (so far, for a live one).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// How it ended: null while it runs; "closed" for a session that was relayed; otherwise the refusal or failure
    /// ("authentication failed for user bob", "denied by --deny-dest 10.0.0.0/8", "connect to 127.0.0.1:9 failed: connection refused").
    /// </summary>
    public string? Outcome { get; init; }

    /// <summary>True when the session was refused or failed before anything was relayed.</summary>
    public bool Refused { get; init; }
}
