using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Forwarding;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock forward --json`: the connection log as NDJSON on stdout (<see cref="ForwardEvent"/>), one object per line.
/// listening, certificate, refused, status, stopping and stopped always; opened, closed, retrying and dropped always too
/// (the log is what --json asks for), so -v adds nothing here. Events wait in stdout's queue; when it is full they are
/// dropped and counted (a "lost" event follows once there is room).
/// </summary>
internal sealed class ForwardJsonLog(LinePrinter output) : ForwardLog
{
    private readonly Lock _gate = new();
    private long _dropped;

    public override void Listening(Forwarder forwarder, EndPoint bound) =>
        Emit(New("listening") with { Address = EndpointText.Format(bound), Kind = forwarder.Listen.Scheme.ToString().ToLowerInvariant(), Target = forwarder.TargetName });

    public override void Certificate(X509Certificate2 certificate, bool temporary) =>
        Emit(New("certificate") with
        {
            Subject = certificate.Subject, Fingerprint = Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), Temporary = temporary,
        });

    public override void Opened(ForwardSession session) => Emit(Session("opened", session));

    public override void Closed(ForwardSession session) => Emit(Session("closed", session) with
    {
        BytesToTarget = session.BytesToTarget, BytesToClient = session.BytesToClient,
        Seconds = Math.Round(session.Duration.TotalSeconds, 6), Reason = session.CloseReason ?? "closed",
    });

    public override void Refused(string client, string reason, ForwardSession? session) =>
        Emit(New("refused") with { Id = session?.Id, Client = client, Reason = reason });

    public override void Retrying(ForwardClient client, string target, string reason, int attempt, TimeSpan delay) =>
        Emit(New("retrying") with { Id = client.SessionId, Client = client.Description, Target = target, Reason = reason, Attempt = attempt, DelaySeconds = delay.TotalSeconds });

    public override void Dropped(EndPoint? client, string reason) =>
        Emit(New("dropped") with { Client = EndpointText.Format(client), Reason = reason });

    public override void Status(IReadOnlyList<ForwardSession> sessions) =>
        Emit(New("status") with
        {
            Sessions = [.. sessions.Select(s => Session("session", s) with { BytesToTarget = s.BytesToTarget, BytesToClient = s.BytesToClient, Seconds = Math.Round(s.Duration.TotalSeconds, 6) })],
        });

    public override void Stopping(int open, TimeSpan drain) => Emit(New("stopping") with { Open = open, DrainSeconds = drain.TotalSeconds });

    public override void Stopped(Forwarder forwarder, int forced) =>
        Emit(New("stopped") with
        {
            Forced = forced, Opened = forwarder.TotalOpened, Refused = forwarder.TotalRefused,
            BytesToTarget = forwarder.TotalBytesToTarget, BytesToClient = forwarder.TotalBytesToClient,
        });

    private static ForwardEvent Session(string name, ForwardSession s) => New(name) with
    {
        Id = s.Id, Kind = s.Kind, Client = s.ClientName, Target = s.TargetName, ClientSocket = s.ClientRecord, TargetSocket = s.TargetRecord,
    };

    private static ForwardEvent New(string name) => new() { Event = name, Time = DateTimeOffset.UtcNow };

    private static string Serialize(ForwardEvent e) => JsonSerializer.Serialize(e, SockJsonLines.Default.ForwardEvent);

    private void Emit(ForwardEvent e)
    {
        var line = Serialize(e);
        lock (_gate)
        {
            if (_dropped > 0 && output.TryPrint(Serialize(New("lost") with { Lines = _dropped })))
                _dropped = 0;
            if (_dropped > 0 || !output.TryPrint(line)) _dropped++;
        }
    }
}
