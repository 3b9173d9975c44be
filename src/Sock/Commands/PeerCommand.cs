using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Peer;
using Sock.Cli.Rendering;

namespace Sock.Cli.Commands;

/// <summary>sock peer: a connection between two equal peers, joined to stdin and stdout.</summary>
internal static class PeerCommand
{
    public static Command Create()
    {
        var bind = new Option<string?>("--bind", "-b") { Description = "[ADDR:]PORT this side listens on and connects from (the port the other side names with --peer)", HelpName = "[ADDR:]PORT" };
        var peer = new Option<string?>("--peer") { Description = "HOST:PORT of the other side (its --bind)", HelpName = "HOST:PORT" };
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP, with sock's reliable stream on top (default TCP)" };
        var tcp = new Option<bool>("--tcp", "-t") { Description = "TCP (the default)" };
        var v4 = new Option<bool>("-4") { Description = "IPv4 only" };
        var v6 = new Option<bool>("-6") { Description = "IPv6 only" };
        var wait = new Option<string?>("--wait", "-w") { Description = "How long to keep trying to reach the peer (default 30s)", HelpName = "TIME" };
        var quit = new Option<string?>("-q") { Description = "Quit TIME after end of stdin (negative: wait for the peer forever)", HelpName = "TIME" };
        var keepalive = new Option<string?>("--keepalive") { Description = "UDP: send a keepalive after TIME without traffic, to hold NAT mappings (default 15s)", HelpName = "TIME" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Connection facts on stderr (repeat for each attempt)" };
        var rendezvous = new Option<string?>("--rendezvous") { Description = "Meet the other peer through this sock rendezvous and punch through the NATs (instead of --peer)", HelpName = "HOST:PORT" };
        var name = new Option<string?>("--name") { Description = "With --rendezvous: the name this side registers", HelpName = "ME" };
        var to = new Option<string?>("--to") { Description = "With --rendezvous: the name of the peer to meet", HelpName = "THEM" };
        var relayOk = new Option<bool>("--relay-ok") { Description = "With --rendezvous: if no direct path works, relay through the rendezvous (both sides must ask)" };
        var record = new Option<string?>("--output", "-o") { Description = "Record the session's bytes to FILE (as sock connect -o)", HelpName = "FILE" };
        var hexDump = new Option<string?>("--hex-dump", "-x") { Description = "Record the session to FILE as a hex dump with direction marks (> sent, < received)", HelpName = "FILE" };
        var append = new Option<bool>("--append-output") { Description = "Append to the -o/-x files instead of replacing them" };
        var checks = new Option<string?>("--checks") { Description = "With --rendezvous: how long the connectivity checks run after the introduction (default 5s)", HelpName = "TIME" };
        var command = new Command("peer", """
            Connect two equal peers: both run the same command, neither is the server; stdin and stdout are joined to the connection.

            Direct mode: each side binds --bind PORT, listens on it and connects from it to --peer HOST:PORT at the same time,
            retrying (paced) until the other side is there, so either may start first. Over TCP the listening and connecting
            sockets share the port (SO_REUSEADDR, SO_REUSEPORT): the two sides end up with the one connection between the two
            ports, whichever way it formed (accepted, connected, or a simultaneous open). Over UDP (--udp) each side sends
            checks until it hears the other, then the stream runs over sock's reliable protocol (sequence numbers, selective
            acknowledgements, retransmission on an RTT estimate, a window; docs/peer-protocol.md). As sock connect: at end of
            stdin the write side is shut down and sock keeps reading until the peer closes. Exit status: 0 done, 1 network
            error (the peer never answered, stopped answering), 2 usage error.

            Examples:
              sock peer --bind 7000 --peer 192.0.2.20:7000          on host A (192.0.2.10)
              sock peer --bind 7000 --peer 192.0.2.10:7000          on host B
              sock peer -u --bind 7000 --peer 192.0.2.20:7000 < f   UDP with the reliable stream, sending a file
              sock peer -v --bind [::1]:7001 --peer [::1]:7002      IPv6 on one machine (the other side swaps the ports)
              sock peer --rendezvous 203.0.113.1:3479 --name alice --to bob --udp   across NATs (bob runs it with the names swapped)

            Across NATs (--rendezvous HOST:PORT --name ME --to THEM): each side registers with a sock rendezvous from the
            port it will use (--bind, or one the system picks), learns its public mapping and whether the NAT keeps it for
            a second destination, and gets the other's candidates (host and server-reflexive) when both are there. UDP:
            both send paced checks to every candidate at once until one is answered (a round trip: the path works both
            ways). TCP: both connect from the registered port to every candidate at once (a simultaneous open through
            both NATs, SO_REUSEADDR/SO_REUSEPORT), and both ends prove the session before the connection counts. The
            chosen path is one line on stderr ("direct via 203.0.113.20:40123 (server-reflexive), UDP, RTT 0.4 ms"); if
            every check fails, the error says what each met and what it suggests about the NATs, and with --relay-ok on
            both sides the rendezvous relays instead, said as such. Then stdin/stdout are joined as in direct mode.

            -o FILE records the stream's bytes, both directions in the order they moved, and -x FILE a hex dump with
            each line's direction (> sent, < received), as sock connect's: over UDP, the bytes of the stream (each once,
            in order), not the datagrams that carried them.
            """)
        {
            bind, peer, udp, tcp, v4, v6, wait, quit, keepalive, verbose, rendezvous, name, to, relayOk, checks, record, hexDump, append,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(v4) && parse.GetValue(v6)) throw SockException.Usage("family", "-4 -6", "choose one of -4 and -6");
            if (parse.GetValue(udp) && parse.GetValue(tcp)) throw SockException.Usage("peer", "--udp --tcp", "choose one");
            if (parse.GetValue(append) && parse.GetValue(record) is null && parse.GetValue(hexDump) is null)
                throw SockException.Usage("peer", "--append-output", "applies with -o or -x only");
            var recording = new Recording(parse.GetValue(record), parse.GetValue(hexDump), parse.GetValue(append));
            if (parse.GetValue(rendezvous) is { } meet)
                return await RunRendezvousAsync(parse, meet, parse.GetValue(name), parse.GetValue(to), parse.GetValue(relayOk), parse.GetValue(checks),
                    parse.GetValue(peer), parse.GetValue(bind), parse.GetValue(udp), parse.GetValue(v4), parse.GetValue(v6), parse.GetValue(wait),
                    parse.GetValue(quit), parse.GetValue(keepalive), recording, ct);
            foreach (var (given, option) in new[] { (parse.GetValue(name), "--name"), (parse.GetValue(to), "--to"), (parse.GetValue(checks), "--checks") })
                if (given is not null) throw SockException.Usage("peer", option, "applies with --rendezvous only");
            if (parse.GetValue(relayOk)) throw SockException.Usage("peer", "--relay-ok", "applies with --rendezvous only");
            var bindText = parse.GetValue(bind) ?? throw SockException.Usage("peer", "(no --bind)", "--bind [ADDR:]PORT is needed: the port the other side connects to");
            var peerText = parse.GetValue(peer) ?? throw SockException.Usage("peer", "(no --peer)", "--peer HOST:PORT is needed: the other side's --bind");
            var family = parse.GetValue(v4) ? AddressFamily.InterNetwork : parse.GetValue(v6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
            IPAddress? bindAddress = null;
            int bindPort;
            if (Ports.TryParse(bindText, out _)) bindPort = Ports.Parse(bindText, "--bind port");
            else
            {
                var (h, p) = EndpointText.Split(bindText);
                bindAddress = EndpointText.ParseAddress(h, "--bind address");
                bindPort = Ports.Parse(p ?? throw SockException.Usage("--bind", bindText, "a port is needed ([ADDR:]PORT)"), "--bind port");
            }
            var (peerHost, peerPort) = EndpointText.Split(peerText);
            if (peerPort is null) throw SockException.Usage("--peer", peerText, "a port is needed (HOST:PORT)");
            var port = Ports.Parse(peerPort, "--peer port");
            var timeout = parse.GetValue(wait) is { } w ? Durations.Parse(w, "-w") : TimeSpan.FromSeconds(30);
            if (timeout <= TimeSpan.Zero) throw SockException.Usage("-w", parse.GetValue(wait)!, "must be more than 0");
            TimeSpan? quitAfter = parse.GetValue(quit) is { } q ? Durations.Parse(q, "-q") : null;
            var keep = parse.GetValue(keepalive) is { } k ? Durations.Parse(k, "--keepalive") : TimeSpan.FromSeconds(15);
            if (keep <= TimeSpan.Zero) throw SockException.Usage("--keepalive", parse.GetValue(keepalive)!, "must be more than 0");
            var verbosity = parse.Tokens.Count(t => t.Value is "-v" or "--verbose");
            var log = new NetcatStderrLog(verbosity);
            // Opened before the peer is sought, as sock connect's: a path that cannot be written is a usage error at once.
            using var recorder = recording.Open(log);
            var trace = TraceWriter.FromOptions(parse);
            if (bindAddress is not null && family != AddressFamily.Unspecified && bindAddress.AddressFamily != family)
                throw SockException.Usage("--bind", bindText, family == AddressFamily.InterNetwork ? "is IPv6 but -4 asks for IPv4" : "is IPv4 but -6 asks for IPv6");
            var addresses = await NameResolver.ResolveAsync(peerHost, family, false, ct);
            // A name with both families: the one of --bind, when it has an address.
            var address = bindAddress is null ? addresses[0] : addresses.FirstOrDefault(a => a.AddressFamily == bindAddress.AddressFamily) ?? addresses[0];
            var peerEndPoint = new IPEndPoint(address, port);
            var local = new IPEndPoint(bindAddress ?? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), bindPort);
            if (local.AddressFamily != peerEndPoint.AddressFamily)
                throw SockException.Usage("peer", $"--bind {bindText} --peer {peerText}", "the two addresses are of different families");
            var input = Console.OpenStandardInput();
            var output = Console.OpenStandardOutput();
            RelayResult result;
            if (parse.GetValue(udp))
            {
                var connection = await DirectPeer.ConnectUdpAsync(local, peerEndPoint, timeout, trace, log, ct);
                using var socket = connection.Socket;
                log.Write(1, $"Connected to {EndpointText.Format(peerEndPoint)} from {EndpointText.Format(socket.Socket.LocalEndPoint)} over UDP (direct, {Ms(connection.Elapsed)} after start)");
                var stream = new ReliableStream(socket, new ReliableStreamOptions { Keepalive = keep, QuitAfterEof = quitAfter }, connection.Session) { Recorder = recorder };
                result = await stream.RunAsync(input, output, ct);
                log.Write(1, $"{result.BytesSent} bytes sent, {result.BytesReceived} bytes received, {stream.Retransmissions} packets sent again"
                             + (stream.SmoothedRtt is { } rtt ? $", RTT {Ms(rtt)}" : "") + $" ({NetcatEventText.Describe(result.End)})");
            }
            else
            {
                var connection = await DirectPeer.ConnectTcpAsync(local, peerEndPoint, timeout, trace, log, ct);
                using var socket = connection.Socket;
                log.Write(1, $"Connected to {EndpointText.Format(socket.Socket.RemoteEndPoint)} from {EndpointText.Format(socket.Socket.LocalEndPoint)} over TCP ({connection.How}, {Ms(connection.Elapsed)} after start)");
                var options = new NetcatOptions { QuitAfterEof = quitAfter, Verbosity = verbosity };
                result = await new Relay(socket, input, output, options, recorder).RunAsync(ct);
                log.Write(1, $"{result.BytesSent} bytes sent, {result.BytesReceived} bytes received ({NetcatEventText.Describe(result.End)})");
            }
            return result.End == RelayEnd.Cancelled ? 130 : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>`--rendezvous`: meet, punch (or relay), then join stdin/stdout as direct mode does.</summary>
    private static async Task<int> RunRendezvousAsync(ParseResult parse, string meet, string? me, string? them, bool relayOk, string? checksText,
        string? peerText, string? bindText, bool udp, bool v4, bool v6, string? waitText, string? quitText, string? keepaliveText, Recording recording, CancellationToken ct)
    {
        if (peerText is not null) throw SockException.Usage("peer", "--peer --rendezvous", "choose one: --peer names the other side directly, --rendezvous meets it there");
        if (!RendezvousMessage.IsName(me)) throw SockException.Usage("--name", me ?? "(none)", "--name ME is needed with --rendezvous: 1-64 letters, digits, '.', '_', '-'");
        if (!RendezvousMessage.IsName(them)) throw SockException.Usage("--to", them ?? "(none)", "--to THEM is needed with --rendezvous: 1-64 letters, digits, '.', '_', '-'");
        if (me == them) throw SockException.Usage("--to", them!, "is this side's own --name");
        var family = v4 ? AddressFamily.InterNetwork : v6 ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
        var (host, portText) = EndpointText.Split(meet);
        if (portText is null) throw SockException.Usage("--rendezvous", meet, "a port is needed (HOST:PORT)");
        var port = Ports.Parse(portText, "--rendezvous port");
        var timeout = waitText is { } w ? Durations.Parse(w, "-w") : TimeSpan.FromSeconds(30);
        if (timeout <= TimeSpan.Zero) throw SockException.Usage("-w", waitText!, "must be more than 0");
        var checkTime = checksText is { } c ? Durations.Parse(c, "--checks") : TimeSpan.FromSeconds(5);
        if (checkTime <= TimeSpan.Zero) throw SockException.Usage("--checks", checksText!, "must be more than 0");
        TimeSpan? quitAfter = quitText is { } q ? Durations.Parse(q, "-q") : null;
        var keep = keepaliveText is { } k ? Durations.Parse(k, "--keepalive") : TimeSpan.FromSeconds(15);
        if (keep <= TimeSpan.Zero) throw SockException.Usage("--keepalive", keepaliveText!, "must be more than 0");
        IPAddress? bindAddress = null;
        var bindPort = 0;
        if (bindText is not null)
        {
            if (Ports.TryParse(bindText, out _)) bindPort = Ports.Parse(bindText, "--bind port");
            else
            {
                var (h, p) = EndpointText.Split(bindText);
                bindAddress = EndpointText.ParseAddress(h, "--bind address");
                bindPort = p is null ? 0 : Ports.Parse(p, "--bind port");
            }
        }
        var verbosity = parse.Tokens.Count(t => t.Value is "-v" or "--verbose");
        var log = new NetcatStderrLog(verbosity);
        using var recorder = recording.Open(log);
        var trace = TraceWriter.FromOptions(parse);
        var addresses = await NameResolver.ResolveAsync(host, family, false, ct);
        var address = bindAddress is null ? addresses[0] : addresses.FirstOrDefault(a => a.AddressFamily == bindAddress.AddressFamily) ?? addresses[0];
        var server = new IPEndPoint(address, port);
        var local = new IPEndPoint(bindAddress ?? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any), bindPort);
        if (local.AddressFamily != server.AddressFamily)
            throw SockException.Usage("peer", $"--bind {bindText} --rendezvous {meet}", "the two addresses are of different families");
        var request = new RendezvousRequest(server, me!, them!, local, relayOk, timeout, checkTime);
        var proto = udp ? "UDP" : "TCP";
        var path = udp
            ? await RendezvousPeer.ConnectUdpAsync(request, trace, log.Write, ct)
            : await RendezvousPeer.ConnectTcpAsync(request, trace, log.Write, ct);
        using var socket = path.Socket;
        if (path.Relayed)
        {
            Console.Error.WriteLine($"no direct path to {them}: {path.Failure}");
            Console.Error.WriteLine($"relayed via {EndpointText.Format(path.Remote)} (the rendezvous), {proto}, {Ms(path.Elapsed)} after start");
        }
        else
            Console.Error.WriteLine($"direct via {EndpointText.Format(path.Remote)} ({path.Kind}), {proto}"
                                    + (path.Rtt is { } rtt ? $", RTT {Ms(rtt)}" : "") + $", {Ms(path.Elapsed)} after start");
        var input = Console.OpenStandardInput();
        var output = Console.OpenStandardOutput();
        RelayResult result;
        if (udp)
        {
            var stream = new ReliableStream(socket, new ReliableStreamOptions { Keepalive = keep, QuitAfterEof = quitAfter }, path.Session) { Recorder = recorder };
            result = await stream.RunAsync(input, output, ct);
            log.Write(1, $"{result.BytesSent} bytes sent, {result.BytesReceived} bytes received, {stream.Retransmissions} packets sent again"
                         + (stream.SmoothedRtt is { } srtt ? $", RTT {Ms(srtt)}" : "") + $" ({NetcatEventText.Describe(result.End)})");
        }
        else
        {
            var options = new NetcatOptions { QuitAfterEof = quitAfter, Verbosity = verbosity };
            result = await new Relay(socket, input, output, options, recorder).RunAsync(ct);
            log.Write(1, $"{result.BytesSent} bytes sent, {result.BytesReceived} bytes received ({NetcatEventText.Describe(result.End)})");
        }
        return result.End == RelayEnd.Cancelled ? 130 : ExitCodes.Success;
    }

    /// <summary>-o/-x/--append-output as given.</summary>
    private sealed record Recording(string? RawPath, string? HexPath, bool Append)
    {
        public SessionRecorder? Open(INetcatObserver log) =>
            SessionRecorder.For(new NetcatOptions { OutputFile = RawPath, HexDumpFile = HexPath, AppendOutput = Append }, log);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture) + " ms";
}
