using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Icmp;

namespace Sock.Cli.Commands;

/// <summary>sock traceroute: the routers on the way to a host, as Debian's traceroute prints them, unprivileged by default.</summary>
internal static class TracerouteCommand
{
    public static Command Create()
    {
        var host = new Argument<string>("host") { Description = "The host name or address to trace" };
        var icmp = new Option<bool>("-I", "--icmp") { Description = "Probe with ICMP echo (raw socket as root, else the ICMP datagram socket)" };
        var tcp = new Option<bool>("-T", "--tcp") { Description = "Probe with TCP connects to -p PORT (default 80)" };
        var port = new Option<int?>("-p", "--port") { Description = "UDP: the first port (default 33434, one more per probe); TCP: the port (default 80)" };
        var queries = new Option<int?>("-q", "--queries") { Description = "Probes per hop (default 3)" };
        var maxHops = new Option<int?>("-m", "--max-hops") { Description = "The largest TTL (default 30)" };
        var firstHop = new Option<int?>("-f", "--first") { Description = "The first TTL (default 1)" };
        var wait = new Option<string?>("-w", "--wait") { Description = "Seconds to wait for each probe's answer (default 5)" };
        var numeric = new Option<bool>("-n") { Description = "Print addresses only, no reverse DNS" };
        var mtu = new Option<bool>("--mtu") { Description = "Probe with packets as large as the path allows and report where the path MTU drops (tracepath's pmtu)" };
        var ipv4 = new Option<bool>("-4") { Description = "Resolve the name to IPv4" };
        var ipv6 = new Option<bool>("-6") { Description = "Resolve the name to IPv6" };
        var length = new Argument<int?>("packetlen") { Description = "The probe's total IP packet length (default 60, 80 for IPv6)", Arity = ArgumentArity.ZeroOrOne };
        var json = GlobalOptions.Json();
        var command = new Command("traceroute", """
            The routers on the path to a host, as Debian's traceroute prints them.

            Probes go out with TTL 1, 2, 3… until the destination answers; each router that drops a probe for its TTL
            says so with an ICMP time exceeded. UDP probes (the default, ports 33434 up) and TCP connects (-T -p PORT)
            need no privileges: each probe has its own socket with IP_RECVERR, and the router's message is read from
            that socket's error queue (recvmsg MSG_ERRQUEUE), as tracepath does. -I probes with ICMP echo. * is a probe
            nobody answered within -w; !H, !N, !P, !X mark unreachables. --mtu reports the path MTU where it drops, as
            tracepath's pmtu. --trace shows every socket, setsockopt(IP_TTL) and recvmsg(MSG_ERRQUEUE). Exit 0 when the
            trace ran (reached or not, as traceroute), 2 for usage errors and names that do not resolve.

            Examples:
              sock traceroute -n 127.0.0.1
              sock traceroute -n -q 1 -w 1 10.0.3.2       one probe a hop, 1 s each
              sock traceroute -T -p 443 example.com       TCP connects to 443
              sock traceroute -I ::1                      ICMPv6 echo probes
              sock traceroute --mtu -n 10.0.3.2           where the path MTU drops
              sock traceroute --json -n 127.0.0.1
            """)
        {
            host, length, icmp, tcp, port, queries, maxHops, firstHop, wait, numeric, mtu, ipv4, ipv6, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(icmp) && parse.GetValue(tcp))
                throw SockException.Usage("options", "-I -T", "name one probe method");
            if (parse.GetValue(ipv4) && parse.GetValue(ipv6))
                throw SockException.Usage("options", "-4 -6", "ask for both families; give one");
            var options = new TracerouteOptions
            {
                Method = parse.GetValue(icmp) ? TracerouteMethod.Icmp : parse.GetValue(tcp) ? TracerouteMethod.Tcp : TracerouteMethod.Udp,
                Port = parse.GetValue(port),
                ProbesPerHop = parse.GetValue(queries) ?? 3,
                MaxHops = parse.GetValue(maxHops) ?? 30,
                FirstHop = parse.GetValue(firstHop) ?? 1,
                Wait = parse.GetValue(wait) is { } w ? Durations.Parse(w, "-w") : TimeSpan.FromSeconds(5),
                PacketLength = parse.GetValue(length),
                DiscoverMtu = parse.GetValue(mtu),
                Trace = TraceWriter.FromOptions(parse),
            };
            Tracer.Validate(options);
            var family = parse.GetValue(ipv4) ? AddressFamily.InterNetwork : parse.GetValue(ipv6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
            var input = parse.GetValue(host)!;
            IPAddress destination;
            try
            {
                destination = (await NameResolver.ResolveAsync(input, family, cancellationToken: ct))[0];
            }
            catch (SockException ex) when (ex.Kind != SockErrorKind.Usage)
            {
                // As traceroute and ping: a name that does not resolve is the command line's fault, exit 2.
                throw SockException.Usage("traceroute", input, ex.Reason);
            }
            var asJson = parse.GetValue(json);
            var names = new ReverseNames(!parse.GetValue(numeric));
            var printer = new HopPrinter(Console.Out, Console.Error, input, names, asJson);
            var report = await Tracer.RunAsync(destination, options, printer, ct);
            if (asJson)
                Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(input, report, options, names), SockJson.Default.TracerouteJsonReport));
            else if (options.DiscoverMtu && report.Pmtu is { } p)
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"     Resume: pmtu {p} hops {report.Hops.Count}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static TracerouteJsonReport ToJson(string input, TracerouteReport report, TracerouteOptions options, ReverseNames names) => new(
        input, report.Destination.ToString(), report.Method, options.MaxHops, report.PacketLength, report.Reached, report.Pmtu,
        [.. report.Hops.Select(h => new TracerouteJsonHop(h.Ttl, h.Pmtu, [.. h.Probes.Select(p => new TracerouteJsonProbe(
            p.From?.ToString(), p.From is { } a ? names.NameOf(a) : null, p.RoundTripMicros / 1000.0, p.Mark.Length > 0 ? p.Mark : null, p.Reached))]))]);

    /// <summary>traceroute's lines: ` 1  10.0.1.1 (10.0.1.1)  0.045 ms  0.012 ms  0.010 ms`, ` 2  * * *`.</summary>
    private sealed class HopPrinter(TextWriter output, TextWriter error, string input, ReverseNames names, bool silent) : ITracerouteObserver
    {
        public void Started(IPAddress destination, int maxHops, int packetLength, string method)
        {
            error.WriteLine($"sock traceroute: {method}");
            if (silent) return;
            output.WriteLine($"traceroute to {input} ({destination}), {maxHops} hops max, {packetLength} byte packets");
            output.Flush();
        }

        public void Hop(TracerouteHop hop)
        {
            if (silent) return;
            var line = hop.Ttl.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " ";
            IPAddress? last = null;
            foreach (var p in hop.Probes)
            {
                if (p.From is null || p.RoundTripMicros is null)
                {
                    line += " *";
                    continue;
                }
                if (!p.From.Equals(last))
                {
                    line += names.Enabled ? $" {names.NameOf(p.From) ?? p.From.ToString()} ({p.From})" : $" {p.From}";
                    last = p.From;
                }
                line += string.Create(CultureInfo.InvariantCulture, $"  {p.RoundTripMicros.Value / 1000.0:0.000} ms");
                if (p.Mark.Length > 0) line += " " + p.Mark;
            }
            if (hop.Pmtu is { } mtu) line += string.Create(CultureInfo.InvariantCulture, $"  pmtu {mtu}");
            output.WriteLine(line);
            output.Flush();
        }
    }

    /// <summary>Reverse DNS for hop addresses, each asked once and given at most 2 s (a silent resolver must not stall the trace).</summary>
    private sealed class ReverseNames(bool enabled)
    {
        private readonly Dictionary<IPAddress, string?> _cache = [];

        public bool Enabled => enabled;

        public string? NameOf(IPAddress address)
        {
            if (!enabled) return null;
            if (_cache.TryGetValue(address, out var known)) return known;
            string? name = null;
            try
            {
                var lookup = Dns.GetHostEntryAsync(address);
                if (lookup.Wait(TimeSpan.FromSeconds(2)) && lookup.Result.HostName is { Length: > 0 } n && n != address.ToString())
                    name = n;
            }
            catch (AggregateException)
            {
            }
            return _cache[address] = name;
        }
    }
}
