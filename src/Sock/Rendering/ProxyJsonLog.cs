using System.Net;
using System.Text.Json;
using Sock.Core.Endpoints;
using Sock.Core.Proxies;

namespace Sock.Cli.Rendering;

/// <summary>
/// `sock proxy --json`: every event as one JSON object on one line of stdout (<see cref="ProxyEvent"/>), gated as the
/// text log is (-v for sessions and refusals); listening, status, stopping and stopped always. When stdout's queue is
/// full, events are dropped and counted, and a "dropped" event follows once there is room.
/// </summary>
internal sealed class ProxyJsonLog(LinePrinter output, bool verbose) : IProxyLog
{
    private readonly Lock _gate = new();
    private long _dropped;

    public void Listening(string address) => Emit(New("listening") with { Address = address });

    public void SessionEnded(ProxySession session)
    {
        if (verbose) Emit(New("session") with { Session = ProxyJsonSession.From(session) });
    }

    public void Rejected(string service, EndPoint? remote, string reason)
    {
        if (verbose) Emit(New("rejected") with { Remote = remote is null ? null : EndpointText.Format(remote), Reason = reason });
    }

    public void Status(IReadOnlyList<ProxySession> sessions) => Emit(New("status") with { Sessions = [.. sessions.Select(ProxyJsonSession.From)] });

    public void Stopping(int open, TimeSpan drain) => Emit(New("stopping") with { Open = open, DrainSeconds = drain.TotalSeconds });

    public void Stopped(int forced) => Emit(New("stopped") with { Forced = forced });

    private static ProxyEvent New(string name) => new() { Event = name, Time = DateTimeOffset.UtcNow };

    private static string Serialize(ProxyEvent e) => JsonSerializer.Serialize(e, SockJsonLines.Default.ProxyEvent);

    private void Emit(ProxyEvent e)
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
