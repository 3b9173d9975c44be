using Sock.Core.Netcat;
using Sock.Core.Tls;

namespace Sock.Cli.Rendering;

/// <summary>
/// netcat's events in ncat's words, with the verbosity each needs: 0 always (warnings), 1 for -v (ncat's connection
/// facts), 2 for -vv (each address tried). The tests compare these lines with ncat's: change none lightly.
/// </summary>
internal static class NetcatEventText
{
    /// <summary>The line(s) for <paramref name="e"/> (null: nothing to tell) and the -v count that shows them.</summary>
    public static (int Level, string? Text) Word(NetcatEvent e) => e switch
    {
        ConnectAttemptFailed f => (2, $"Connection to {f.Target} failed: {f.Reason}"),
        AnsweredAfterFailure a => (2, $"{a.Target} answered after an earlier address failed"),
        ProxyPassed p => (1, $"Proxy {p.Proxy} connected to {p.Destination}"),
        Connected c => (1, c.Local is null ? $"Connected to {c.Remote}" : $"Connected to {c.Remote} from {c.Local}"),
        SessionEnded s => (1, $"{s.BytesSent} bytes sent, {s.BytesReceived} bytes received ({Describe(s.End)})"),
        UdpProbeUnanswered u => (1, $"UDP port {u.Port} on {u.Remote} sent no refusal (open or filtered)"),
        TlsCertificateUnverified => (0, "TLS: certificate not verified; use --ssl-verify to check it"),
        TlsClientSession t => (1, TlsClient.Describe(t.Session, t.Verified) is { Count: > 0 } lines ? string.Join(Environment.NewLine, lines) : null),
        TlsTemporaryCertificate => (1, "TLS: made a temporary self-signed certificate (--ssl-cert and --ssl-key give a permanent one)"),
        TlsCertificate t => (1, $"TLS certificate: {TlsServer.Describe(t.Certificate)}"),
        TlsServerSession t => (1, $"TLS session with {t.Peer}: {t.Session}"),
        Listening l => (1, l.Datagram ? $"Listening on {l.Address} (UDP)" : $"Listening on {l.Address}"),
        ClientConnected c => (1, c.Datagram ? $"Connection from {c.Peer} (UDP)" : $"Connection from {c.Peer}"),
        HubClientJoined j => (1, $"Connection from {j.Peer} (client {j.Client}, {j.Connected} connected)"),
        ClientClosed { BytesSent: { } sent, BytesReceived: { } received } c => (1, $"Connection from {c.Peer} closed ({sent} bytes sent, {received} received)"),
        ClientClosed c => (1, $"Connection from {c.Peer} closed"),
        HubClientLeft l => (1, $"Connection from {l.Peer} closed (client {l.Client})"),
        ClientRefused r => (1, $"Connection from {r.Peer} {r.Reason}"),
        ClientFailed f => (1, $"Connection from {f.Peer}: {f.Message}"),
        DatagramDropped { Denied: true } d => (1, $"Datagram from {d.Peer} dropped (--allow/--deny)"),
        DatagramDropped d => (1, $"Datagram from {d.Peer} dropped: too many peers (-m {d.MaxPeers})"),
        DatagramSendFailed f => (1, $"Datagram to {f.Peer} failed: {f.Reason}"),
        DatagramProgramExited x => (1, $"Connection from {x.Peer} closed (UDP, program exited)"),
        DatagramPeerForgotten x => (1, $"Connection from {x.Peer} idle, forgotten (UDP)"),
        ConnectionLost l => (1, $"A connection was lost before it was set up: {l.Reason}"),
        AcceptFailed a => (1, $"accept failed: {a.Reason}"),
        ListenerFailed f => (1, $"{f.Service}: {f.Message}"),
        RecordingStopped r => (0, $"recording to {r.Path} stopped: {r.Reason}"),
        PeerListening p => (2, $"Listening on {p.Local} and connecting to {p.Peer} from it"),
        PeerRefused p => (1, $"Refused a connection from {p.From}: not the peer {p.Peer}"),
        PeerRetrying p => (2, $"connect to {p.Peer}: {p.Reason}; trying again"),
        PeerCheck p => (2, $"check {p.Check}: {p.Type} from {p.From}"),
        _ => (1, e.ToString()),
    };

    /// <summary>How a relay's end reads in -v output.</summary>
    public static string Describe(RelayEnd end) => end switch
    {
        RelayEnd.PeerClosed => "peer closed",
        RelayEnd.QuitAfterEof => "-q after end of input",
        RelayEnd.Idle => "idle timeout",
        RelayEnd.OutputClosed => "output closed",
        _ => "interrupted",
    };
}

/// <summary>netcat's events on stderr, each once the -v count given reaches the level it needs; and the command's own lines.</summary>
internal sealed class NetcatStderrLog(int verbosity) : INetcatObserver
{
    public void On(NetcatEvent e)
    {
        var (level, text) = NetcatEventText.Word(e);
        if (text is not null) Write(level, text);
    }

    /// <summary>A line the command words itself (sock peer's connection facts), at <paramref name="level"/>.</summary>
    public void Write(int level, string text)
    {
        if (level <= verbosity) Console.Error.WriteLine(text);
    }
}
