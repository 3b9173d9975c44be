using System.CommandLine;
using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Serving;
using Sock.Core.Snmp;

namespace Sock.Cli.Commands;

/// <summary>
/// --agent [ADDR:]PORT on sock serve, forward and proxy: the same SNMP agent as sock agent, in the same process, serving
/// everything sock agent serves plus the server's own SOCK-MIB subtree. Its access options are sock agent's with an
/// "agent-" prefix (--agent-community, --agent-users, --agent-allow, --agent-cache), since --allow and --users already
/// mean the server's own clients on those commands.
/// </summary>
internal sealed class AgentCli
{
    public Option<string> Agent { get; } = new("--agent")
    {
        Description = "Run an SNMP agent in this process on UDP [ADDR:]PORT (a bare port: 127.0.0.1): what sock agent serves, plus this server's counters and connections (SOCK-MIB)",
        HelpName = "[ADDR:]PORT",
    };
    public Option<string[]> Community { get; } = new("--agent-community") { Description = "--agent's read-only community (repeatable; there is no default)", HelpName = "NAME" };
    public Option<string> Users { get; } = new("--agent-users") { Description = "--agent's SNMPv3 users: a file of createUser/rouser lines, as sock agent --users", HelpName = "FILE" };
    public Option<string[]> Allow { get; } = new("--agent-allow") { Description = "Only these addresses or CIDR ranges are answered by --agent (comma-separated, repeatable)", HelpName = "HOSTS" };
    public Option<string> Cache { get; } = new("--agent-cache") { Description = "How long --agent serves one snapshot of its tables before reading them again (default 1s)", HelpName = "TIME" };

    public void AddTo(Command command)
    {
        command.Options.Add(Agent);
        command.Options.Add(Community);
        command.Options.Add(Users);
        command.Options.Add(Allow);
        command.Options.Add(Cache);
    }

    /// <summary>
    /// Reads and checks the --agent options before the server binds anything, so bad input is one line and exit 2 with
    /// nothing served: null when --agent was not given.
    /// </summary>
    public async Task<Plan?> PrepareAsync(ParseResult parse, string command, CancellationToken ct)
    {
        var at = parse.GetValue(Agent);
        var communities = (parse.GetValue(Community) ?? []).ToList();
        var usersPath = parse.GetValue(Users);
        var allowList = parse.GetValue(Allow) ?? [];
        var cacheText = parse.GetValue(Cache);
        if (at is null)
        {
            var stray = communities.Count > 0 ? "--agent-community" : usersPath is not null ? "--agent-users" : allowList.Length > 0 ? "--agent-allow" : cacheText is not null ? "--agent-cache" : null;
            if (stray is not null) throw SockException.Usage(command, stray, "applies to --agent only");
            return null;
        }
        var endpoint = ParseAddress(at);
        if (communities.Count == 0 && usersPath is null)
            throw SockException.Usage(command, "--agent", "nothing to answer: give --agent-community NAME (there is no default \"public\") or --agent-users FILE");
        if (communities.Any(c => c.Length == 0)) throw SockException.Usage(command, "--agent-community", "a community cannot be empty");
        IReadOnlyList<UsmUser> users = usersPath is null ? [] : await ReadUsersAsync(usersPath, "--agent-users", ct);
        var cache = cacheText is null ? SnmpAgentOptions.DefaultCache : Durations.Parse(cacheText, "agent cache");
        var access = allowList.Length == 0 ? null
            : await AccessList.CreateAsync(allowList.SelectMany(ListenCommand.Split), [], noDns: false, ct);
        return new Plan(endpoint, new SnmpAgentOptions
        {
            Communities = communities,
            Users = users,
            Admit = access is null ? null : access.Admits,
            Cache = cache,
        });
    }

    /// <summary>
    /// Starts the agent of <paramref name="plan"/> (nothing when null), reading <paramref name="status"/> with each
    /// snapshot. Prints the "serving snmp" line on stderr as sock agent does, and shows the agent as a panel in sock ui
    /// (issue 18: a panel per server "started with --ui or --agent"), agent-PID.sock beside the server's own.
    /// </summary>
    public static async Task<Running?> StartAsync(Plan? plan, string command, Func<SockServerStatus> status, Core.Tracing.SocketTrace? trace)
    {
        if (plan is null) return null;
        plan.Options.Server = status;
        var agent = new SnmpAgent(plan.Options);
        var server = new SocketServer(new ServerOptions { MaxLineLength = 65507, DatagramThreads = true }, trace);
        try
        {
            var bound = server.ListenDatagram("snmp", plan.EndPoint, d =>
            {
                var reply = agent.Handle(d.Payload, d.Remote);
                return reply is null ? ValueTask.CompletedTask : d.ReplyAsync(reply);
            });
            agent.View();
            server.Start();
            Console.Error.WriteLine($"serving snmp (RFC 3416, --agent, SOCK-MIB at {SockMib.Root}) on udp {EndpointText.Format(bound)}");
            var started = DateTimeOffset.UtcNow;
            (string, string)[] serving = [("udp", EndpointText.Format(bound))];
            Ui.StatusEndpoint? panel = null;
            try
            {
                panel = Ui.StatusEndpoint.Start("agent", () => Ui.ServerPanel.OfAgent($"{command} --agent", started, agent.Counters, serving));
            }
            catch (SockException ex)
            {
                // The panel was not asked for by name: without a runtime directory the agent still serves.
                Console.Error.WriteLine($"sock {command}: --agent: no panel in sock ui: {ex.Reason}");
            }
            return new Running(agent, server, panel);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>What --agent asked for, checked.</summary>
    internal sealed record Plan(IPEndPoint EndPoint, SnmpAgentOptions Options);

    /// <summary>[ADDR:]PORT; a bare port is 127.0.0.1, as Debian's snmpd listens by default (a management port open to every network is a decision).</summary>
    internal static IPEndPoint ParseAddress(string text)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit)) return new IPEndPoint(IPAddress.Loopback, Ports.Parse(text, "agent port", allowZero: true));
        var (host, port) = EndpointText.Split(text);
        if (port is null) throw SockException.Usage("--agent", text, "expected [ADDR:]PORT (write [::1]:1161 for IPv6)");
        var address = host is "" or "*" ? IPAddress.Any : EndpointText.ParseAddress(EndpointText.Unbracket(host), "agent address");
        return new IPEndPoint(address, Ports.Parse(port, "agent port", allowZero: true));
    }

    /// <summary>A --users file: net-snmp's createUser/rouser/rwuser lines.</summary>
    internal static async Task<IReadOnlyList<UsmUser>> ReadUsersAsync(string path, string option, CancellationToken ct)
    {
        string text;
        try { text = await File.ReadAllTextAsync(path, ct); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage(option, path, ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex is UnauthorizedAccessException ? "permission denied" : "cannot be read");
        }
        var users = UsmUserFile.Parse(text, path);
        if (users.Count == 0) throw SockException.Usage(option, path, "no createUser line in it");
        return users;
    }

    /// <summary>The listening sockets of a server as SOCK-MIB lists them: "tcp 127.0.0.1:7".</summary>
    internal static IReadOnlyList<string> Listening(IEnumerable<Core.Connections.SocketRecord> sockets) =>
        [.. sockets.Where(s => s.State is "LISTEN" or "UNCONN").Select(s => $"{s.Protocol} {s.Local}")];

    /// <summary>An agent running beside a server; disposing it stops it.</summary>
    internal sealed class Running(SnmpAgent agent, SocketServer server, Ui.StatusEndpoint? panel) : IAsyncDisposable
    {
        public SnmpAgent Agent => agent;

        public async ValueTask DisposeAsync()
        {
            if (panel is not null) await panel.DisposeAsync();
            await server.StopAsync(TimeSpan.Zero);
            await server.DisposeAsync();
        }
    }
}
