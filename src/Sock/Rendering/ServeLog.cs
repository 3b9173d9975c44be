using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Inetd;
using Sock.Core.Tls;
using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>
/// What sock serve writes as text: to stderr where it listens, the socket table, and (with -v) each connection and each
/// peer's datagrams; to stdout what hello's clients say. Log lines are queued for <paramref name="error"/>'s own
/// thread, because most come from the engine's I/O threads (a connection opened or closed), which must not block in
/// write() on a stderr nobody reads. If the queue is full, lines are dropped and counted, and the count is reported
/// once there is room again — memory stays bounded.
/// </summary>
internal sealed class ServeLog(LinePrinter error, LinePrinter output, bool verbose) : IServeLog
{
    private readonly DatagramTally _datagrams = new(TimeSpan.FromSeconds(1));

    public void Listening(InetdBinding b) =>
        Line($"serving {b.Service.Name} ({b.Service.DefinedBy}{(b.Tls ? ", TLS" : "")}) on {b.Protocol} {EndpointText.Format(b.EndPoint)}");

    public void Certificate(X509Certificate2 certificate, bool temporary)
    {
        if (!verbose) return;
        // listen --ssl's lines, as ncat prints them with -v.
        if (temporary) Line("TLS: made a temporary self-signed certificate (--ssl-cert and --ssl-key give a permanent one)");
        Line($"TLS certificate: {TlsServer.Describe(certificate)}");
    }

    public void TlsEstablished(SocketRecord record, string session)
    {
        if (verbose) Line($"#{record.Id} {record.Service} TLS session with {record.Remote}: {session}");
    }

    // Always told, -v or not: a client that cannot talk to the server is what its operator needs to see.
    public void LayerRefused(SocketRecord record, string layer, string reason) => Line($"{record.Service}: {reason}");

    public ValueTask MessageAsync(ServiceMessage message) => output.PrintAsync(message.Text);

    public void Opened(SocketRecord record)
    {
        if (verbose) Line($"#{record.Id} {record.Service} {record.Protocol} {record.Remote} -> {record.Local} opened (fd {record.Handle})");
    }

    public void Closed(SocketRecord record)
    {
        if (!verbose) return;
        var seconds = (DateTimeOffset.Now - record.OpenedAt).TotalSeconds;
        Line(string.Create(CultureInfo.InvariantCulture,
            $"#{record.Id} {record.Service} {record.Protocol} {record.Remote} closed after {Math.Max(seconds, 0):0.000}s: in {record.BytesIn} bytes ({record.MessagesIn} recv), out {record.BytesOut} bytes ({record.MessagesOut} send): {record.CloseReason ?? "closed"}"));
    }

    public bool ObservesDatagrams => verbose;

    public void Exchanged(string service, string protocol, EndPoint? remote, int bytesIn, int repliesOut, int bytesOut)
    {
        var evicted = new List<DatagramBatch>();
        if (_datagrams.Add(service, protocol, remote, bytesIn, repliesOut, bytesOut, evicted) is { } batch) evicted.Add(batch);
        foreach (var b in evicted) Line(Text(b));
    }

    /// <summary>"echo udp 127.0.0.1:40000: 1 datagram in (5 bytes), 1 reply (5 bytes)"; a sum over time says how long.</summary>
    internal static string Text(DatagramBatch b)
    {
        var ci = CultureInfo.InvariantCulture;
        var replies = b.RepliesOut == 0 ? "no reply" : string.Create(ci, $"{b.RepliesOut} {(b.RepliesOut == 1 ? "reply" : "replies")} ({b.BytesOut} bytes)");
        var over = b.Seconds > 0 ? string.Create(ci, $" in {b.Seconds:0.0}s") : "";
        return string.Create(ci, $"{b.Service} {b.Protocol} {(b.Remote is null ? "(unnamed)" : EndpointText.Format(b.Remote))}: {b.DatagramsIn} {(b.DatagramsIn == 1 ? "datagram" : "datagrams")} in ({b.BytesIn} bytes), {replies}{over}");
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

    // As the small services' line, the URL inside the parentheses: "serving http (files of /srv, http://127.0.0.1:8000/) on tcp 127.0.0.1:8000".
    public void HttpServing(EndPoint endpoint, string url, string root, bool tls) =>
        Line($"serving http (files of {root}, {(tls ? "TLS, " : "")}{url}) on {(endpoint is IPEndPoint ? "tcp" : "unix")} {EndpointText.Format(endpoint)}");

    // The Common Log Format (Apache's and nginx's access log, which log tools read), with the time taken after it.
    public void HttpRequest(Sock.AspNetCore.HttpAccessRecord r)
    {
        if (!verbose) return;
        var offset = r.Time.Offset;
        var zone = string.Create(CultureInfo.InvariantCulture, $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}");
        Line(string.Create(CultureInfo.InvariantCulture,
            $"{(r.Remote is { } remote ? remote.Address.ToString() : "-")} - - [{r.Time:dd/MMM/yyyy:HH:mm:ss} {zone}] \"{r.Method} {r.Target} {r.Protocol}\" {r.Status} {(r.Bytes is { } b ? b.ToString(CultureInfo.InvariantCulture) : "-")} {r.Duration.TotalMilliseconds:0.000}ms"));
    }

    public void Stopping(int open, TimeSpan drain)
    {
        // The listening sockets are closed by now: no datagram comes after this, so what is left is logged here.
        foreach (var b in _datagrams.Flush()) Line(Text(b));
        if (open > 0 || verbose) Line($"stopping: {open} connection(s) open, draining up to {Durations.Format(drain)}");
    }

    public void Stopped(int forced)
    {
        if (forced > 0) Line($"stopped: closed {forced} connection(s) at the drain deadline");
        else if (verbose) Line("stopped");
    }

    private void Line(string text) => error.PrintOrDrop(text);
}
