using System.Globalization;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Forwarding;
using Sock.Core.Proxies;

namespace Sock.Cli.Ui;

/// <summary>
/// What a server started with --ui shows in sock ui: which command and process, its counters, and its table (socket
/// records, or sessions) as rows of text, the same columns its --status prints. The server writes one to every
/// connection on its status socket (<see cref="StatusEndpoint"/>); sock ui reads them (<see cref="StatusDirectory"/>).
/// </summary>
internal sealed record ServerPanel(string Command, int Pid, DateTimeOffset Started, DateTimeOffset Time, List<PanelCounter> Counters,
    string Caption, List<string> Columns, List<List<string>> Rows)
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private static string N(long v) => v.ToString(Ci);

    /// <summary>sock serve's sockets: listeners and connections, each with its record.</summary>
    public static ServerPanel OfSockets(string command, DateTimeOffset started, IReadOnlyList<SocketRecord> sockets) =>
        new(command, Environment.ProcessId, started, DateTimeOffset.UtcNow,
            [new("sockets open", sockets.Count), new("bytes in (open sockets)", sockets.Sum(s => s.BytesIn)), new("bytes out (open sockets)", sockets.Sum(s => s.BytesOut))],
            "Every socket the server holds, with its record",
            ["Id", "Service", "Type", "State", "Local", "Remote", "Bytes in", "Bytes out", "Opened"],
            [.. sockets.Select(s => new List<string> { N(s.Id), s.Service, s.Type, s.State, s.Local, s.Remote, N(s.BytesIn), N(s.BytesOut), s.OpenedAt.ToString("HH:mm:ss", Ci) })]);

    /// <summary>sock forward's sessions: each client with its two legs' sockets.</summary>
    public static ServerPanel OfForwarder(string command, DateTimeOffset started, Forwarder forwarder)
    {
        var sessions = forwarder.Sessions;
        return new(command, Environment.ProcessId, started, DateTimeOffset.UtcNow,
            [new("sessions open", sessions.Count), new("opened", forwarder.TotalOpened), new("refused", forwarder.TotalRefused),
             new("bytes to target", forwarder.TotalBytesToTarget), new("bytes to client", forwarder.TotalBytesToClient)],
            "Every open session: the client's socket and the target's",
            ["Id", "Client socket", "Target socket", "Bytes to target", "Bytes to client", "Seconds"],
            [.. sessions.Select(s => new List<string>
            {
                N(s.Id), Leg(s.ClientRecord), Leg(s.TargetRecord), N(s.BytesToTarget), N(s.BytesToClient), s.Duration.TotalSeconds.ToString("0.0", Ci),
            })]);
    }

    /// <summary>sock proxy's sessions.</summary>
    public static ServerPanel OfProxy(string command, DateTimeOffset started, IReadOnlyList<ProxySession> sessions) =>
        new(command, Environment.ProcessId, started, DateTimeOffset.UtcNow,
            [new("sessions open", sessions.Count), new("bytes up (open sessions)", sessions.Sum(s => s.BytesUp)), new("bytes down (open sessions)", sessions.Sum(s => s.BytesDown))],
            "Every open session",
            ["Id", "Client", "Protocol", "Command", "Destination", "Bytes up", "Bytes down", "Seconds"],
            [.. sessions.Select(s => new List<string>
            {
                N(s.Id), s.Client, s.Protocol ?? "", s.Command ?? "", s.Destination ?? "", N(s.BytesUp), N(s.BytesDown), s.Duration.TotalSeconds.ToString("0.0", Ci),
            })]);

    /// <summary>
    /// An SNMP agent (sock agent --ui, or --agent beside a server): its requests by PDU type, its errors and drops, and
    /// where it answers.
    /// </summary>
    public static ServerPanel OfAgent(string command, DateTimeOffset started, Sock.Core.Snmp.SnmpAgentCounters c, IReadOnlyList<(string Protocol, string Address)> serving) =>
        new(command, Environment.ProcessId, started, DateTimeOffset.UtcNow,
            [new("requests", c.InPackets), new("answered", c.OutPackets), new("get", c.GetRequests), new("getnext", c.GetNextRequests),
             new("getbulk", c.GetBulkRequests), new("set", c.SetRequests), new("unknown community", c.BadCommunity),
             new("malformed", c.Malformed + c.BadVersion), new("not allowed", c.NotAllowed),
             new("v3 errors", c.UnknownEngineId + c.UnknownUserName + c.WrongDigest + c.NotInTimeWindow + c.DecryptionError + c.UnsupportedSecLevel
                 + c.UnknownSecurityModel + c.InvalidMessage + c.UnknownPduHandler + c.UnknownContext + c.AuthorizationError),
             new("dropped", c.Silent), new("tooBig", c.TooBig)],
            "Where the agent answers",
            ["Protocol", "Address"],
            [.. serving.Select(e => new List<string> { e.Protocol, e.Address })]);

    private static string Leg(SocketRecord? r) => r is null ? "–" : $"{r.Local} → {r.Remote} ({r.State})";
}

/// <summary>One named figure of a panel.</summary>
internal sealed record PanelCounter(string Name, long Value);
