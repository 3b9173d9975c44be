using System.Globalization;
using System.Net;
using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Serving.Services;

namespace Sock.Cli.Rendering;

/// <summary>
/// What sock serve writes to stderr: where it listens, the socket table, and (with -v) each connection. Lines are
/// queued for <paramref name="error"/>'s own thread, because most come from the engine's I/O threads (a connection
/// opened or closed), which must not block in write() on a stderr nobody reads. If the queue is full, lines are dropped
/// and counted, and the count is reported once there is room again — memory stays bounded.
/// </summary>
internal sealed class ServeLog(LinePrinter error, bool verbose, bool json) : IServerObserver
{
    private readonly Lock _gate = new();
    private long _dropped;

    public void Listening(SmallService service, string protocol, EndPoint bound) =>
        Line($"serving {service.Name} ({service.DefinedBy}) on {protocol} {EndpointText.Format(bound)}");

    public void Opened(SocketRecord record)
    {
        if (verbose && !json) Line($"#{record.Id} {record.Service} {record.Protocol} {record.Remote} -> {record.Local} opened (fd {record.Handle})");
    }

    public void Closed(SocketRecord record)
    {
        if (!verbose) return;
        if (json)
        {
            Line(JsonSerializer.Serialize(record, SockJson.Default.SocketRecord));
            return;
        }
        var seconds = (DateTimeOffset.Now - record.OpenedAt).TotalSeconds;
        Line(string.Create(CultureInfo.InvariantCulture,
            $"#{record.Id} {record.Service} {record.Protocol} {record.Remote} closed after {Math.Max(seconds, 0):0.000}s: in {record.BytesIn} bytes ({record.MessagesIn} recv), out {record.BytesOut} bytes ({record.MessagesOut} send): {record.CloseReason ?? "closed"}"));
    }

    public void Rejected(string service, EndPoint? remote, string reason)
    {
        if (verbose) Line($"{service}: refused {EndpointText.Format(remote)}: {reason}");
    }

    public void Failed(string service, Exception error)
    {
        if (verbose) Line($"{service}: {(error is SockException s ? s.Message : error.Message)}");
    }

    public void Status(IReadOnlyList<SocketRecord> sockets)
    {
        if (json)
        {
            Line(JsonSerializer.Serialize(sockets.ToList(), SockJson.Default.ListSocketRecord));
            return;
        }
        var now = DateTimeOffset.Now;
        var rows = sockets.Select(r => (IReadOnlyList<string>)
        [
            r.Id.ToString(CultureInfo.InvariantCulture), r.Handle.ToString(CultureInfo.InvariantCulture), r.Service, r.Protocol,
            r.Local, r.Remote, r.State, r.BytesIn.ToString(CultureInfo.InvariantCulture), r.BytesOut.ToString(CultureInfo.InvariantCulture),
            r.MessagesIn.ToString(CultureInfo.InvariantCulture), r.MessagesOut.ToString(CultureInfo.InvariantCulture),
            Durations.Format(now - r.OpenedAt), Durations.Format(now - r.LastActivity),
        ]);
        var table = new StringWriter(CultureInfo.InvariantCulture);
        table.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sockets at {now:HH:mm:ss}:"));
        TableWriter.Write(table, ["ID", "FD", "SERVICE", "PROTO", "LOCAL", "REMOTE", "STATE", "BYTES-IN", "BYTES-OUT", "MSGS-IN", "MSGS-OUT", "AGE", "IDLE"],
            rows, rich: false);
        Line(table.ToString().TrimEnd('\n'));
    }

    public void Stopping(int open, TimeSpan drain)
    {
        if (open > 0 || verbose) Line($"stopping: {open} connection(s) open, draining up to {Durations.Format(drain)}");
    }

    public void Stopped(int forced)
    {
        if (forced > 0) Line($"stopped: closed {forced} connection(s) at the drain deadline");
        else if (verbose) Line("stopped");
    }

    private void Line(string text)
    {
        lock (_gate)
        {
            if (_dropped > 0 && error.TryPrint(string.Create(CultureInfo.InvariantCulture, $"sock: {_dropped} log line(s) dropped: stderr was not being read")))
                _dropped = 0;
            if (_dropped > 0 || !error.TryPrint(text)) _dropped++;
        }
    }
}
