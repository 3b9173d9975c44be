using Sock.Core.Connections;

namespace Sock.Core.Snmp;

/// <summary>
/// The serving engine's figures an agent running beside it in the same process serves under sock's own subtree
/// (<see cref="SockMib"/>): which command, its totals, the addresses it listens on and its live connections. Taken
/// fresh each time the agent reads its snapshot (<see cref="SnmpAgentOptions.Cache"/>).
/// </summary>
public sealed record SockServerStatus
{
    /// <summary>The command serving ("serve", "forward", "proxy").</summary>
    public required string Command { get; init; }

    /// <summary>When the server started.</summary>
    public required DateTimeOffset Started { get; init; }

    /// <summary>Connections accepted (for a forwarder: sessions opened) since start.</summary>
    public required long Accepted { get; init; }

    /// <summary>Connections (or sessions) open now.</summary>
    public required long Open { get; init; }

    /// <summary>Clients refused: by the connection limit, by the access list, and the forwarder's other refusals.</summary>
    public required long Refused { get; init; }

    /// <summary>Bytes received from clients, open connections and closed.</summary>
    public required long BytesIn { get; init; }

    /// <summary>Bytes sent to clients, open connections and closed.</summary>
    public required long BytesOut { get; init; }

    /// <summary>The listening addresses as "PROTOCOL ADDRESS" ("tcp 127.0.0.1:8080", "unix /run/x.sock").</summary>
    public required IReadOnlyList<string> Listening { get; init; }

    /// <summary>The live connections, one record each (for a forwarder or proxy: the client's socket).</summary>
    public required IReadOnlyList<SocketRecord> Connections { get; init; }
}
