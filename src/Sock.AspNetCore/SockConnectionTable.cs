using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.AspNetCore;

/// <summary>
/// The live socket table of the host's sock transport: every listening socket and connection Kestrel holds through it,
/// with their records, and the server's totals. A singleton service (inject it, or
/// <c>app.Services.GetRequiredService&lt;SockConnectionTable&gt;()</c>).
/// </summary>
public sealed class SockConnectionTable
{
    private readonly SocketServer _server;

    internal SockConnectionTable(SocketServer server) => _server = server;

    /// <summary>The connections open now, as records (oldest first).</summary>
    public IReadOnlyList<SocketRecord> Connections => _server.Connections;

    /// <summary>Every socket open now: the listening sockets first (state LISTEN), then the connections.</summary>
    public IReadOnlyList<SocketRecord> Sockets => _server.Sockets;

    /// <summary>Connections open now.</summary>
    public int ActiveConnections => _server.ActiveConnections;

    /// <summary>Connections accepted since the host started.</summary>
    public long TotalAccepted => _server.TotalAccepted;

    /// <summary>Connections refused for the transport's own limits (<see cref="ServerOptions.MaxConnections"/>, the open-file limit).</summary>
    public long TotalRejected => _server.TotalRejected;

    /// <summary>Bytes received on every connection, open and closed.</summary>
    public long TotalBytesIn => _server.TotalBytesIn;

    /// <summary>Bytes sent on every connection, open and closed.</summary>
    public long TotalBytesOut => _server.TotalBytesOut;
}
