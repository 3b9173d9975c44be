using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Peer;
using Sock.Core.Serving;
using Sock.Core.Sockets;

namespace Sock.Cli.Commands;

/// <summary>sock rendezvous: the server that introduces peers to each other, so they can punch through their NATs.</summary>
internal static class RendezvousCommand
{
    public static Command Create()
    {
        var on = new Argument<string>("[ADDR:]PORT") { Description = "Where to listen (every address when ADDR is left out)" };
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP only (default: UDP and TCP on the same port)" };
        var tcp = new Option<bool>("--tcp", "-t") { Description = "TCP only" };
        var probe = new Option<string?>("--probe-port") { Description = "The second port, that tells a peer the address it saw (default PORT+1)", HelpName = "PORT" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "A line per registration, introduction and relay" };
        var command = new Command("rendezvous", """
            Introduce peers to each other: the meeting point of sock peer --rendezvous.

            A peer registers a name from the socket it will punch from; the rendezvous records the address it saw (the
            peer's public mapping, its server-reflexive candidate) and the host candidates the peer reports. When a peer
            asks for another that is registered, both get each other's candidates at once, with a session id for their
            checks. A second port (--probe-port) answers with the address it saw, so a peer learns whether its NAT keeps
            one mapping for two destinations. It never carries data, unless both peers registered with --relay-ok and
            both ask after their direct checks failed: then it relays (UDP datagrams, or spliced TCP connections).
            The protocol is in docs/peer-protocol.md. Runs until SIGINT/SIGTERM, then prints its counters:
            registrations, introductions, relays, protocol bytes in and out, relayed bytes.

            Examples:
              sock rendezvous -v 3479                 UDP and TCP on 3479, probes on 3480
              sock rendezvous --udp 203.0.113.1:3479
            """)
        {
            on, udp, tcp, probe, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var signals = ServerSignals.Register(ct);
            if (parse.GetValue(udp) && parse.GetValue(tcp)) throw SockException.Usage("rendezvous", "--udp --tcp", "choose one, or neither for both");
            var text = parse.GetValue(on)!;
            IPAddress? address = null;
            int port;
            if (Ports.TryParse(text, out _)) port = Ports.Parse(text, "port");
            else
            {
                var (h, p) = EndpointText.Split(text);
                address = EndpointText.ParseAddress(h, "rendezvous address");
                port = Ports.Parse(p ?? throw SockException.Usage("rendezvous", text, "a port is needed ([ADDR:]PORT)"), "port");
            }
            int probePort;
            if (parse.GetValue(probe) is { } pp) probePort = Ports.Parse(pp, "--probe-port");
            else if (port == 65535) throw SockException.Usage("rendezvous", text, "port 65535 has no PORT+1 for probes: give --probe-port");
            else probePort = port + 1;
            if (probePort == port) throw SockException.Usage("--probe-port", probePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "must differ from the rendezvous port");
            var dual = false;
            address ??= SocketBinder.Wildcard(AddressFamily.Unspecified, port, out dual).Address;
            var verbosity = parse.GetValue(verbose) ? 1 : 0;
            var trace = TraceWriter.FromOptions(parse);
            var log = new RendezvousLog(verbosity);
            var rendezvous = new RendezvousServer(log);
            await using var server = new SocketServer(new ServerOptions(), trace);
            var useUdp = !parse.GetValue(tcp);
            var useTcp = !parse.GetValue(udp);
            if (useUdp)
            {
                var (main, probed) = rendezvous.ListenUdp(server, new IPEndPoint(address, port), new IPEndPoint(address, probePort), dual);
                Console.Error.WriteLine($"rendezvous on udp {EndpointText.Format(main)}, probes on udp {EndpointText.Format(probed)}");
            }
            if (useTcp)
            {
                var (main, probed) = rendezvous.ListenTcp(server, new IPEndPoint(address, port), new IPEndPoint(address, probePort), dual);
                Console.Error.WriteLine($"rendezvous on tcp {EndpointText.Format(main)}, probes on tcp {EndpointText.Format(probed)}");
            }
            server.Start();
            try { await Task.Delay(Timeout.Infinite, signals.Stopping); }
            catch (OperationCanceledException) { }
            await server.StopAsync(TimeSpan.FromMilliseconds(500));
            Console.Error.WriteLine($"rendezvous stopped: {rendezvous.Registrations} registrations, {rendezvous.Introductions} introductions, {rendezvous.Relays} relays; "
                                    + $"protocol bytes {rendezvous.ControlBytesIn} in, {rendezvous.ControlBytesOut} out; relayed bytes {rendezvous.RelayedBytes}");
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed class RendezvousLog(int verbosity) : IRendezvousObserver
    {
        private readonly Lock _gate = new();

        private void Write(string line)
        {
            if (verbosity < 1) return;
            lock (_gate) Console.Error.WriteLine(line);
        }

        public void Registered(string transport, string name, IPEndPoint observed, IReadOnlyList<IPEndPoint> host) =>
            Write($"register {name} from {EndpointText.Format(observed)} over {transport.ToUpperInvariant()}"
                  + (host.Count > 0 ? $" (host {string.Join(", ", host.Select(EndpointText.Format))})" : ""));

        public void Introduced(string transport, string a, IPEndPoint aObserved, string b, IPEndPoint bObserved) =>
            Write($"introduce {a} {EndpointText.Format(aObserved)} and {b} {EndpointText.Format(bObserved)} over {transport.ToUpperInvariant()}");

        public void Relaying(string transport, string a, string b) =>
            Write($"relay {a} and {b} over {transport.ToUpperInvariant()} (both asked, with relay-ok)");

        public void Refused(string transport, IPEndPoint from, string why) =>
            Write($"refused {EndpointText.Format(from)} over {transport.ToUpperInvariant()}: {why}");

        public void Expired(string transport, string name, IPEndPoint observed, TimeSpan silent) =>
            Write($"expire {name} {EndpointText.Format(observed)} over {transport.ToUpperInvariant()}: no REGISTER for {silent.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s");
    }
}
