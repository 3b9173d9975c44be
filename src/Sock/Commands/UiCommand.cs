using System.CommandLine;
using System.Net;
using Sock.Cli.Ui;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Cli.Commands;

/// <summary>sock ui: the machine's socket table, live in the browser.</summary>
internal static class UiCommand
{
    /// <summary>The default port: Jupyter's 8888 is often taken by Jupyter itself.</summary>
    public const int DefaultPort = 8899;

    public static Command Create()
    {
        var port = new Option<string?>("--port", "-p") { HelpName = "PORT", Description = $"Port to serve the dashboard on (default {DefaultPort}; 0 lets the system pick)" };
        var bind = new Option<string?>("--bind", "-b") { HelpName = "ADDR", Description = "Address to bind (default 127.0.0.1: this machine only). Another address opens the dashboard to the network, token or not" };
        var interval = new Option<string?>("--interval") { HelpName = "TIME", Description = "How often the table is read and sent (default 1s)" };
        var open = new Option<string[]>("--open") { HelpName = "FILE", Description = "Also show the result in FILE, written by sock scan --json or sock bench --json, as charts (repeatable)" };
        var command = new Command("ui", """
            The machine's socket table, live in the browser.

            Serves a dashboard on loopback and prints its URL, which carries an access token (as Jupyter's): without it every
            request gets 403. The page shows this machine's TCP and UDP sockets — sock stat's data — grouped by process and
            refreshed every --interval over Server-Sent Events; new sockets are highlighted, and the browser's own connection
            to the dashboard is marked (the seed's example, live: a browser's socket connected to a server's). The filter box
            takes sock stat's filter language. Charts above the table follow the filter: sockets by state over the last five
            minutes, bytes per second per process (from each TCP socket's tcp_info counters), listening ports by range
            (well-known, registered, dynamic); each has its data table. --open FILE shows a saved sock scan --json (open
            ports by host) or sock bench --json (throughput over time, latency percentiles) as charts too. It runs on Kestrel
            over sock's own transport. SIGINT/SIGTERM stops it.

            Examples:
              sock ui
              sock ui --port 0 --interval 500ms
              sock ui --open scan.json --open bench.json
            """)
        {
            port, bind, interval, open,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var signals = ServerSignals.Register(ct);
            var portNumber = parse.GetValue(port) is { } p ? Ports.Parse(p, "port", allowZero: true) : DefaultPort;
            var address = parse.GetValue(bind) is { } b ? EndpointText.ParseAddress(EndpointText.Unbracket(b), "bind address") : IPAddress.Loopback;
            var every = parse.GetValue(interval) is { } i ? Durations.ParsePositive(i, "interval") : TimeSpan.FromSeconds(1);
            if (every < TimeSpan.FromMilliseconds(100)) throw SockException.Usage("interval", parse.GetValue(interval)!, "must be 100ms or more");
            var results = (parse.GetValue(open) ?? []).Select(UiResult.Load).ToList();
            if (!IPAddress.IsLoopback(address))
                Console.Error.WriteLine($"sock: warning: the dashboard listens on {address}: anyone who can reach it and has the URL sees this machine's sockets");
            await using var host = await DashboardHost.StartAsync(new IPEndPoint(address, portNumber), every, results, TraceWriter.FromOptions(parse), signals.Stopping);
            Console.Error.WriteLine($"sock ui: serving the socket table on {EndpointText.Format(host.EndPoint)}; open:");
            Console.Out.WriteLine(host.Url);
            try
            {
                await Task.Delay(Timeout.Infinite, signals.Stopping);
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
