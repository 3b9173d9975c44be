using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Tls;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock forward`'s text log on stderr: where it listens (always), refusals (always: a client that could not be served is
/// what an operator needs to see), and with -v one line per session opened and closed (id, peers, bytes each way,
/// duration, why). Lines are queued for stderr's own thread (the relay's threads must not block in write()); when the
/// queue is full they are dropped and counted, and the count is told once there is room.
/// </summary>
internal sealed class ForwardTextLog(LinePrinter error, bool verbose) : ForwardLog
{

    public override void Listening(Forwarder forwarder, EndPoint bound) =>
        Line($"forward: listening on {Scheme(forwarder.Listen)} {EndpointText.Format(bound)}, forwarding to {forwarder.TargetName}");

    public override void Certificate(X509Certificate2 certificate, bool temporary)
    {
        // Always, as the fingerprint is what a client pins to trust a temporary certificate.
        if (temporary) Line("forward: TLS: made a temporary self-signed certificate (--cert and --key give a permanent one)");
        Line($"forward: TLS certificate: {TlsServer.Describe(certificate)}");
    }

    public override void Opened(ForwardSession session)
    {
        if (!verbose) return;
        var via = session.TargetRecord is { } t ? $" (from {t.Local}, fd {t.Handle})" : "";
        Line($"#{session.Id} opened {session.ClientName} -> {session.TargetName}{via}");
    }

    public override void Closed(ForwardSession session)
    {
        if (!verbose) return;
        Line(string.Create(CultureInfo.InvariantCulture,
            $"#{session.Id} closed {session.ClientName} -> {session.TargetName}: {session.BytesToTarget} bytes to target, {session.BytesToClient} bytes to client, {session.Duration.TotalSeconds:0.000}s: {session.CloseReason ?? "closed"}"));
    }

    public override void Refused(string client, string reason, ForwardSession? session) =>
        Line(session is null ? $"forward: refused {client}: {reason}" : $"#{session.Id} refused {client}: {reason}");

    public override void Retrying(ForwardClient client, string target, string reason, int attempt, TimeSpan delay)
    {
        if (verbose) Line($"#{client.SessionId} {reason}; attempt {attempt + 1} in {Durations.Format(delay)}");
    }

    public override void Dropped(EndPoint? client, string reason)
    {
        if (verbose) Line($"forward: dropped a datagram from {EndpointText.Format(client)}: {reason}");
    }

    public override void Status(IReadOnlyList<ForwardSession> sessions)
    {
        var now = DateTimeOffset.Now;
        var ci = CultureInfo.InvariantCulture;
        var rows = sessions.Select(s =>
        {
            var c = s.ClientRecord;
            var t = s.TargetRecord;
            var last = new[] { c?.LastActivity, t?.LastActivity }.Max() ?? s.OpenedAt;
            return (IReadOnlyList<string>)
            [
                s.Id.ToString(ci), s.ClientName, c is null ? "-" : c.Handle.ToString(ci), c?.State ?? "-",
                t?.Local ?? "-", s.TargetName, t is null ? "-" : t.Handle.ToString(ci), t?.State ?? "-",
                s.BytesToTarget.ToString(ci), s.BytesToClient.ToString(ci), Durations.Format(now - s.OpenedAt), Durations.Format(now - last),
            ];
        });
        var table = new StringWriter(ci);
        table.WriteLine(string.Create(ci, $"sessions at {now:HH:mm:ss}: {sessions.Count}"));
        TableWriter.Write(table, ["ID", "CLIENT", "C-FD", "C-STATE", "VIA", "TARGET", "T-FD", "T-STATE", "TO-TARGET", "TO-CLIENT", "AGE", "IDLE"], rows, rich: false);
        Line(table.ToString().TrimEnd('\n'));
    }

    public override void Stopping(int open, TimeSpan drain)
    {
        if (open > 0 || verbose) Line($"forward: stopping: {open} session(s) open, draining up to {Durations.Format(drain)}");
    }

    public override void Stopped(Forwarder forwarder, int forced)
    {
        if (forced > 0) Line($"forward: stopped: closed {forced} session(s) at the drain deadline");
        else if (verbose)
            Line(string.Create(CultureInfo.InvariantCulture,
                $"forward: stopped: {forwarder.TotalOpened} session(s), {forwarder.TotalRefused} refused, {forwarder.TotalBytesToTarget} bytes to target, {forwarder.TotalBytesToClient} bytes to clients"));
    }

    private static string Scheme(ForwardEndpoint e) => e.Scheme switch
    {
        ForwardScheme.Tls => "tls",
        ForwardScheme.Udp => "udp",
        ForwardScheme.Unix => "unix",
        _ => "tcp",
    };

    private void Line(string text) => error.PrintOrDrop(text);
}
