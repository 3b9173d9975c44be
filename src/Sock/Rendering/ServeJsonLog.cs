using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Inetd;
using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock serve --json`: every event as one JSON object on one line of stdout (NDJSON), so `jq -c` or any line reader
/// takes the stream as it comes; errors stay one plain line on stderr. The same events as the text log, gated the same
/// way (-v for connections, datagrams, refusals and failures), except that serving, stopping and stopped always
/// appear: a reader needs to know where the server listens and that it has ended. Events wait in stdout's queue; when it
/// is full they are dropped and counted (a "dropped" event follows once there is room), but hello's messages wait for
/// room instead, as in text.
/// </summary>
internal sealed class ServeJsonLog(LinePrinter output, bool verbose) : IServeLog
{
    private readonly Lock _gate = new();
    private readonly DatagramTally _datagrams = new(TimeSpan.FromSeconds(1));
    private long _dropped;

    public void Listening(InetdBinding b) =>
        Emit(New("serving") with
        {
            Service = b.Service.Name, DefinedBy = b.Service.DefinedBy, Protocol = b.Protocol, Address = EndpointText.Format(b.EndPoint), Tls = b.Tls ? true : null,
        });

    // Always, as serving: a client pinning the certificate needs its fingerprint, and it is told once.
    public void Certificate(X509Certificate2 certificate, bool temporary) =>
        Emit(New("certificate") with
        {
            Subject = certificate.Subject, Fingerprint = Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), Temporary = temporary,
        });

    public void TlsEstablished(SocketRecord record, string session)
    {
        if (verbose) Emit(New("tls") with { Socket = record, Session = session });
    }

    // Always, -v or not, as in text.
    public void LayerRefused(SocketRecord record, string layer, string reason) =>
        Emit(New("refused") with { Service = record.Service, Remote = record.Remote, Layer = layer, Reason = reason });

    public ValueTask MessageAsync(ServiceMessage message) =>
        output.PrintAsync(Serialize(New("message") with { Service = message.Service, Remote = message.Remote is null ? null : EndpointText.Format(message.Remote), Text = message.Text }));

    public void Opened(SocketRecord record)
    {
        if (verbose) Emit(New("opened") with { Socket = record });
    }

    public void Closed(SocketRecord record)
    {
        if (verbose) Emit(New("closed") with { Socket = record, Reason = record.CloseReason ?? "closed" });
    }

    public bool ObservesDatagrams => verbose;

    public void Exchanged(string service, string protocol, EndPoint? remote, int bytesIn, int repliesOut, int bytesOut)
    {
        var evicted = new List<DatagramBatch>();
        if (_datagrams.Add(service, protocol, remote, bytesIn, repliesOut, bytesOut, evicted) is { } batch) evicted.Add(batch);
        foreach (var b in evicted) Emit(Datagrams(b));
    }

    public void Rejected(string service, EndPoint? remote, string reason)
    {
        if (verbose) Emit(New("rejected") with { Service = service, Remote = remote is null ? null : EndpointText.Format(remote), Reason = reason });
    }

    public void Failed(string service, Exception error)
    {
        if (verbose) Emit(New("failed") with { Service = service, Reason = error is SockException s ? s.Message : error.Message });
    }

    public void Status(IReadOnlyList<SocketRecord> sockets) => Emit(New("status") with { Sockets = [.. sockets] });

    public void HttpServing(EndPoint endpoint, string url, string root, bool tls) =>
        Emit(New("serving") with { Service = "http", Protocol = endpoint is IPEndPoint ? "tcp" : "unix", Address = EndpointText.Format(endpoint), Url = url, Root = root, Tls = tls ? true : null });

    public void HttpRequest(Sock.AspNetCore.HttpAccessRecord r) =>
        Emit(New("request") with
        {
            Time = r.Time.ToUniversalTime(), Remote = r.Remote is null ? null : EndpointText.Format(r.Remote), Method = r.Method, Target = r.Target,
            Protocol = r.Protocol, Status = r.Status, BytesOut = r.Bytes, Seconds = Math.Round(r.Duration.TotalSeconds, 6), Connection = r.ConnectionId,
        });

    public void Stopping(int open, TimeSpan drain)
    {
        // The listening sockets are closed by now: no datagram comes after this, so what is left is logged here.
        foreach (var b in _datagrams.Flush()) Emit(Datagrams(b));
        Emit(New("stopping") with { Open = open, DrainSeconds = drain.TotalSeconds });
    }

    public void Stopped(int forced)
    {
        Emit(New("stopped") with { Forced = forced });
    }

    private static ServeEvent Datagrams(DatagramBatch b) => New("datagrams") with
    {
        Service = b.Service, Protocol = b.Protocol, Remote = b.Remote is null ? null : EndpointText.Format(b.Remote),
        DatagramsIn = b.DatagramsIn, BytesIn = b.BytesIn, RepliesOut = b.RepliesOut, BytesOut = b.BytesOut, Seconds = Math.Round(b.Seconds, 3),
    };

    private static ServeEvent New(string name) => new() { Event = name, Time = DateTimeOffset.UtcNow };

    private static string Serialize(ServeEvent e) => JsonSerializer.Serialize(e, SockJsonLines.Default.ServeEvent);

    private void Emit(ServeEvent e)
    {
        var line = Serialize(e);
        lock (_gate)
        {
            if (_dropped > 0 && output.TryPrint(Serialize(New("dropped") with { Lines = _dropped })))
                _dropped = 0;
            if (_dropped > 0 || !output.TryPrint(line)) _dropped++;
        }
    }
}
