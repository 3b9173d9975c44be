using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;

namespace Sock.Core.Icmp;

/// <summary>
/// traceroute: probes with TTL 1, 2, 3… until the destination answers. UDP probes (the default) and TCP connects
/// need no privileges: each probe has a socket of its own with IP_RECVERR, so the router's time exceeded comes back
/// on that socket's error queue with the router's address (recvmsg(MSG_ERRQUEUE)), as tracepath does. ICMP echo
/// probes (-I) use ping's socket. With --mtu, UDP and ICMP probes are as large as the path allows and each drop of the path
/// MTU is reported at the hop where it happened, as tracepath's "pmtu 1400".
/// </summary>
public static class Tracer
{
    /// <summary>traceroute's first UDP port.</summary>
    public const int DefaultUdpPort = 33434;

    /// <summary>Checks <paramref name="options"/>; throws a usage <see cref="SockException"/> naming the option.</summary>
    public static void Validate(TracerouteOptions options)
    {
        if (options.ProbesPerHop is < 1 or > 10)
            throw SockException.Usage("-q", Text(options.ProbesPerHop), "must be from 1 to 10");
        if (options.MaxHops is < 1 or > 255)
            throw SockException.Usage("-m", Text(options.MaxHops), "must be from 1 to 255");
        if (options.FirstHop < 1 || options.FirstHop > options.MaxHops)
            throw SockException.Usage("-f", Text(options.FirstHop), $"must be from 1 to the max hops ({options.MaxHops})");
        if (options.Wait <= TimeSpan.Zero || options.Wait > TimeSpan.FromMinutes(1))
            throw SockException.Usage("-w", Durations.Format(options.Wait), "must be more than zero and at most 60 s");
        if (options.Port is < 1 or > 65535)
            throw SockException.Usage("-p", Text(options.Port.Value), "not a port (1 to 65535)");
        if (options.PacketLength is < 28 or > 65000)
            throw SockException.Usage("packet length", Text(options.PacketLength.Value), "must be from 28 to 65000");
        if (options.DiscoverMtu && options.Method == TracerouteMethod.Tcp)
            throw SockException.Usage("--mtu", "-T", "works with UDP and ICMP probes only (a TCP connect carries no payload to size)");
    }

    /// <summary>Traces the path to <paramref name="destination"/>; cancellation ends it after the hop in progress, with the hops so far.</summary>
    public static Task<TracerouteReport> RunAsync(IPAddress destination, TracerouteOptions options, ITracerouteObserver? observer = null,
        CancellationToken cancellationToken = default)
    {
        Validate(options);
        // Probes block in poll(): a thread of their own.
        return Task.Factory.StartNew(() => Run(destination, options, observer, cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static TracerouteReport Run(IPAddress destination, TracerouteOptions options, ITracerouteObserver? observer, CancellationToken ct)
    {
        if (!ProbeSockets.Supported) throw ProbeSockets.Unsupported();
        ProbeSocket.WarmUp();
        var v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
        var packetLength = options.PacketLength ?? (options.DiscoverMtu ? 65000 : v6 ? 80 : 60);
        using var prober = HopProber.Create(destination, options, packetLength);
        observer?.Started(destination, options.MaxHops, packetLength, prober.Description);
        var hops = new List<TracerouteHop>();
        var reached = false;
        for (var ttl = options.FirstHop; ttl <= options.MaxHops && !ct.IsCancellationRequested; ttl++)
        {
            var hop = prober.Probe(ttl, ct);
            hops.Add(hop);
            observer?.Hop(hop);
            if (hop.Final)
            {
                reached = hop.Probes.Any(p => p.Reached);
                break;
            }
        }
        return new TracerouteReport(destination, prober.Description, packetLength, hops, reached, prober.Pmtu);
    }

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
}
