using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Stun;
using Sock.Core.Sockets;

namespace Sock.Cli.Commands;

/// <summary>sock stun: ask a STUN server where this host's packets come from (RFC 8489 Binding), or be one.</summary>
internal static class StunCommand
{
    public static Command Create()
    {
        var server = new Argument<string?>("SERVER") { Description = "STUN server NAME[:PORT] or ADDR[:PORT] (port 3478 by default); with --serve, the [ADDR:]PORT to serve on", Arity = ArgumentArity.ZeroOrOne };
        var tcp = new Option<bool>("--tcp", "-t") { Description = "STUN over TCP (default UDP); with --serve, TCP only" };
        var udp = new Option<bool>("--udp", "-u") { Description = "With --serve: UDP only (default: UDP and TCP)" };
        var v4 = new Option<bool>("-4") { Description = "IPv4 only" };
        var v6 = new Option<bool>("-6") { Description = "IPv6 only" };
        var source = new Option<string?>("--source", "-s") { Description = "Local address to send from", HelpName = "ADDR" };
        var sourcePort = new Option<string?>("--source-port", "-p") { Description = "Local port to send from (the mapping of that port is what you learn)", HelpName = "PORT" };
        var wait = new Option<string?>("--wait", "-w") { Description = "Give up after TIME (default: the RFC's 39.5 s of retransmissions over UDP, Ti = 39.5 s over TCP)", HelpName = "TIME" };
        var rto = new Option<string?>("--rto") { Description = "Initial retransmission timeout over UDP, doubled at each retry, 7 sends in all (default 500ms)", HelpName = "TIME" };
        var serve = new Option<bool>("--serve") { Description = "Be a STUN Binding server on SERVER's [ADDR:]PORT (default every address, port 3478), UDP and TCP" };
        var behavior = new Option<bool>("--behavior") { Description = "Run RFC 5780's tests (the server needs a second address, as coturn with two listening-ip) and classify the NAT's mapping and filtering" };
        var json = GlobalOptions.Json();
        var command = new Command("stun", """
            Ask a STUN server for this host's public (server-reflexive) address, or serve STUN.

            Sends an RFC 8489 Binding request to SERVER over UDP (or --tcp), IPv4 or IPv6, and prints the local address it
            left from and the mapped address the server saw: if they differ, a NAT is in between. Over UDP the request is
            sent again as the RFC says (after 0.5, 1.5, 3.5… s, 7 times) until answered or 39.5 s pass (-w to stop sooner);
            responses are matched by transaction id and their FINGERPRINT checked. --serve runs a Binding server on the
            serving engine, for tests and for people without one. Exit status: 0 answered, 1 no answer or an error
            response, 2 usage error.

            --behavior runs RFC 5780's tests over UDP against a server that reports OTHER-ADDRESS: mapping (Binding to the
            primary address, to the other address, to the other address and port: do the mapped addresses change?) and,
            from a fresh port, filtering (answers asked from the other address and port, then from the other port: do they
            get in? each waits 2 s, or -w when shorter), then says what that means for hole punching.

            Examples:
              sock stun stun.example.org                 mapped address over UDP, IPv4 or IPv6
              sock stun -4 --tcp 198.51.100.1:3478       over TCP, IPv4
              sock stun -p 40000 --json stun.example.org what port 40000's mapping is, as JSON
              sock stun --serve 3478                     a Binding server on every address, UDP and TCP
              sock --trace stun 127.0.0.1:3478           each sendto/recvfrom and STUN message on stderr
              sock stun --behavior 203.0.113.1           the NAT's mapping and filtering (RFC 5780), and what they mean
            """)
        {
            server, tcp, udp, v4, v6, source, sourcePort, wait, rto, serve, json, behavior,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(v4) && parse.GetValue(v6)) throw SockException.Usage("family", "-4 -6", "choose one of -4 and -6");
            var family = parse.GetValue(v4) ? AddressFamily.InterNetwork : parse.GetValue(v6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
            var trace = TraceWriter.FromOptions(parse);
            if (parse.GetValue(serve))
            {
                // The client's options mean nothing to a server: refuse them rather than drop them.
                var clientOnly = new (Option Option, bool Given)[]
                {
                    (source, parse.GetValue(source) is not null), (sourcePort, parse.GetValue(sourcePort) is not null),
                    (wait, parse.GetValue(wait) is not null), (rto, parse.GetValue(rto) is not null),
                    (v4, parse.GetValue(v4)), (v6, parse.GetValue(v6)), (json, parse.GetValue(json)), (behavior, parse.GetValue(behavior)),
                };
                foreach (var (option, given) in clientOnly)
                    if (given)
                        throw SockException.Usage(option.Name, "(--serve)", "applies to the client only (the server's address family is the one of [ADDR:]PORT)");
                return await ServeAsync(parse.GetValue(server), !parse.GetValue(udp) || parse.GetValue(tcp), !parse.GetValue(tcp) || parse.GetValue(udp), trace, ct);
            }
            if (parse.GetValue(udp) && parse.GetValue(tcp)) throw SockException.Usage("stun", "--udp --tcp", "choose one");
            var target = parse.GetValue(server) ?? throw SockException.Usage("stun", "(no server)", "a STUN server is needed (sock stun SERVER[:PORT])");
            var (host, portText) = EndpointText.Split(target);
            var port = portText is null ? StunServer.DefaultPort : Ports.Parse(portText);
            TimeSpan? limit = parse.GetValue(wait) is { } w ? Durations.Parse(w, "-w") : null;
            if (limit is { } l && l <= TimeSpan.Zero) throw SockException.Usage("-w", parse.GetValue(wait)!, "must be more than 0");
            var schedule = new StunRetransmission(parse.GetValue(rto) is { } r ? Positive(Durations.Parse(r, "--rto"), r, "--rto") : null);
            IPAddress? sourceAddress = parse.GetValue(source) is { } s ? EndpointText.ParseAddress(s, "source address") : null;
            var localPort = parse.GetValue(sourcePort) is { } sp ? Ports.Parse(sp, "-p") : 0;
            if (parse.GetValue(behavior))
            {
                if (parse.GetValue(tcp)) throw SockException.Usage("--behavior", "--tcp", "RFC 5780's tests run over UDP");
                var addresses = await NameResolver.ResolveAsync(host, sourceAddress?.AddressFamily ?? family, false, ct);
                var remote = new IPEndPoint(addresses[0], port);
                var from = new IPEndPoint(sourceAddress ?? (remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), localPort);
                var filteringWait = limit is { } fw && fw < NatBehaviorDiscovery.DefaultFilteringWait ? fw : NatBehaviorDiscovery.DefaultFilteringWait;
                var found = await NatBehaviorDiscovery.DiscoverAsync(remote, from, schedule, limit, filteringWait, trace, ct);
                IRenderer<NatBehavior> behaviorRenderer = parse.GetValue(json) ? new NatBehaviorJsonRenderer(Console.Out) : new NatBehaviorTextRenderer(Console.Out);
                behaviorRenderer.Render(found);
                return ExitCodes.Success;
            }
            IRenderer<StunBinding> renderer = parse.GetValue(json) ? new StunJsonRenderer(Console.Out) : new StunTextRenderer(Console.Out, host);
            renderer.Render(await StunClient.BindAsync(host, port, new StunClientOptions
            {
                Tcp = parse.GetValue(tcp), Family = family, SourceAddress = sourceAddress, SourcePort = localPort,
                Limit = limit, Retransmission = schedule, Trace = trace,
            }, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static TimeSpan Positive(TimeSpan t, string text, string what) =>
        t > TimeSpan.Zero ? t : throw SockException.Usage(what, text, "must be more than 0");

    private static async Task<int> ServeAsync(string? on, bool tcp, bool udp, Sock.Core.Tracing.SocketTrace? trace, CancellationToken ct)
    {
        IPAddress? address = null;
        var port = StunServer.DefaultPort;
        if (on is not null)
        {
            if (Ports.TryParse(on, out _)) port = Ports.Parse(on, "port", allowZero: true);
            else
            {
                var (h, p) = EndpointText.Split(on);
                address = EndpointText.ParseAddress(h, "serve address");
                if (p is not null) port = Ports.Parse(p, "port", allowZero: true);
            }
        }
        var dual = false;
        address ??= SocketBinder.Wildcard(AddressFamily.Unspecified, port, out dual).Address;
        // A Binding answer is computed at once: each UDP socket on a thread of its own in blocking calls, as coturn's
        // listener threads, with no hand-off to the thread pool per request (bench/serve-udp).
        await using var server = new SocketServer(new ServerOptions { DatagramThreads = true }, trace);
        var lines = new List<string>();
        const string Serving = "serving stun (RFC 8489 Binding) on";
        if (udp && tcp)
        {
            // One port for both, as STUN servers have; port 0 picks one free for both.
            var (u, t) = StunServer.ListenUdpAndTcp(server, new IPEndPoint(address, port), dual);
            lines.Add($"{Serving} udp {EndpointText.Format(u)}");
            lines.Add($"{Serving} tcp {EndpointText.Format(t)}");
        }
        else if (udp) lines.Add($"{Serving} udp {EndpointText.Format(StunServer.ListenUdp(server, new IPEndPoint(address, port), dual))}");
        else lines.Add($"{Serving} tcp {EndpointText.Format(StunServer.ListenTcp(server, new IPEndPoint(address, port), dual))}");
        foreach (var line in lines) Console.Error.WriteLine(line);
        server.Start();
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        await server.StopAsync(TimeSpan.FromMilliseconds(200));
        return ExitCodes.Success;
    }
}
