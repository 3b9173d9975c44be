using System.Globalization;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Proxies;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock proxy` as text on stderr: where it listens, and with -v one line per session when it ends (client, protocol,
/// user, destination, bytes each way, duration, outcome), clients refused at accept; the session table on --status or
/// SIGUSR1. Lines are queued for stderr's own thread (the engine's I/O threads must not block in write()); when the
/// queue is full they are dropped and counted, as `sock serve` does.
/// </summary>
internal sealed class ProxyLog(LinePrinter error, bool verbose) : IProxyLog
{

    public void Listening(string address) => Line($"proxy (SOCKS5, SOCKS4, HTTP) listening on {address}");

    public void SessionEnded(ProxySession s)
    {
        if (verbose) Line(Text(s));
    }

    /// <summary>"#3 127.0.0.1:40000 socks5 user bob connect example.org:80 -> 93.184.216.34:80: up 12 B, down 345 B in 0.532s: closed".</summary>
    internal static string Text(ProxySession s)
    {
        var ci = CultureInfo.InvariantCulture;
        var user = s.User is null ? "" : $" user {s.User}";
        var what = s.Command is null ? "" : $" {s.Command}";
        var where = s.Destination is null ? "" : $" {s.Destination}";
        var remote = s.Remote is null || s.Remote == s.Destination ? "" : $" -> {s.Remote}";
        return string.Create(ci,
            $"#{s.Id} {s.Client} {s.Protocol ?? "?"}{user}{what}{where}{remote}: up {s.BytesUp} bytes, down {s.BytesDown} bytes in {s.Duration.TotalSeconds:0.000}s: {(s.Refused ? "refused: " : "")}{s.Outcome}");
    }

    public void Rejected(string service, EndPoint? remote, string reason)
    {
        if (verbose) Line($"refused {EndpointText.Format(remote)}: {reason}");
    }

    public void Failed(string service, Exception error)
    {
        if (verbose) Line($"proxy: {(error is SockException s ? s.Message : error.Message)}");
    }

    public void Status(IReadOnlyList<ProxySession> sessions)
    {
        var now = DateTimeOffset.Now;
        var rows = sessions.Select(s => (IReadOnlyList<string>)
        [
            s.Id.ToString(CultureInfo.InvariantCulture), s.Client, s.Protocol ?? "?", s.User ?? "-", s.Command ?? "-", s.Destination ?? "-", s.Remote ?? "-",
            s.BytesUp.ToString(CultureInfo.InvariantCulture), s.BytesDown.ToString(CultureInfo.InvariantCulture), Durations.Format(s.Duration),
        ]);
        var table = new StringWriter(CultureInfo.InvariantCulture);
        table.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sessions at {now:HH:mm:ss}: {sessions.Count}"));
        TableWriter.Write(table, ["ID", "CLIENT", "PROTO", "USER", "COMMAND", "DESTINATION", "REMOTE", "UP", "DOWN", "AGE"], rows, rich: false);
        Line(table.ToString().TrimEnd('\n'));
    }

    public void Stopping(int open, TimeSpan drain)
    {
        if (open > 0 || verbose) Line($"stopping: {open} session(s) open, draining up to {Durations.Format(drain)}");
    }

    public void Stopped(int forced)
    {
        if (forced > 0) Line($"stopped: closed {forced} session(s) at the drain deadline");
        else if (verbose) Line("stopped");
    }

    private void Line(string text) => error.PrintOrDrop(text);
}
