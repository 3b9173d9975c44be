using System.Diagnostics.Metrics;

namespace Sock.Core.Serving;

/// <summary>
/// The server's counters under the meter "sock" (watch them with <c>dotnet-counters monitor -n sock --counters sock</c>).
/// They are observed, not pushed: the hot path only bumps plain per-socket fields, and the totals are summed when a
/// listener asks.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "sock";

    private readonly Meter _meter;

    public ServerMetrics(SocketServer server)
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("sock.connections.accepted", () => server.TotalAccepted, "{connection}", "Connections accepted");
        _meter.CreateObservableUpDownCounter("sock.connections.active", () => (long)server.ActiveConnections, "{connection}", "Connections open now");
        _meter.CreateObservableCounter("sock.connections.rejected", () => server.TotalRejected, "{connection}", "Connections refused (limit reached), datagrams dropped (too long) and Unix datagram replies dropped (peer's queue full or gone)");
        _meter.CreateObservableCounter("sock.bytes.in", () => server.TotalBytesIn, "By", "Bytes received");
        _meter.CreateObservableCounter("sock.bytes.out", () => server.TotalBytesOut, "By", "Bytes sent");
        _meter.CreateObservableCounter("sock.errors", () => server.TotalErrors, "{error}", "Socket and handler errors");
    }

    /// <summary>The meter (tests listen to this one server's instruments).</summary>
    public Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
