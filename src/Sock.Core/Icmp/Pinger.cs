using System.Globalization;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Scanning;

namespace Sock.Core.Icmp;

/// <summary>
/// ping and fping in one: ICMP echo to one or many hosts over the socket Linux allows — raw with CAP_NET_RAW, the
/// unprivileged ICMP datagram socket where net.ipv4.ping_group_range allows it, else TCP connect time to a port — and
/// iputils' statistics per host.
/// </summary>
public static class Pinger
{
    /// <summary>Checks <paramref name="options"/> as iputils ping does; throws a usage <see cref="SockException"/> naming the option.</summary>
    public static void Validate(PingOptions options, PingPrivileges privileges)
    {
        if (options.Count is < 1)
            throw SockException.Usage("-c", Text(options.Count.Value), "must be at least 1");
        if (options.PayloadSize is < 0 or > PingOptions.MaxPayload)
            throw SockException.Usage("-s", Text(options.PayloadSize), $"must be from 0 to {PingOptions.MaxPayload}");
        if (options.Ttl is < 1 or > 255)
            throw SockException.Usage("-t", Text(options.Ttl.Value), "must be from 1 to 255");
        if (options.Interval < TimeSpan.Zero)
            throw SockException.Usage("-i", Durations.Format(options.Interval), "must not be negative");
        if (options.Timeout <= TimeSpan.Zero)
            throw SockException.Usage("-W", Durations.Format(options.Timeout), "must be more than zero");
        if (options.Deadline is { } d && d <= TimeSpan.Zero)
            throw SockException.Usage("-w", Durations.Format(d), "must be more than zero");
        if (options.FallbackPort is < 1 or > 65535)
            throw SockException.Usage("port", Text(options.FallbackPort), "must be from 1 to 65535");
        if (options.Flood && !privileges.NetRaw)
            throw SockException.Usage("-f", "flood", "cannot flood without CAP_NET_RAW (run as root); the shortest interval for a user is 0.2 s, as ping");
        if (!options.Flood && options.Interval < PingOptions.MinimumUserInterval && !privileges.NetRaw)
            throw SockException.Usage("-i", Durations.Format(options.Interval), "the shortest interval without CAP_NET_RAW is 0.2 s, as ping (run as root for less)");
    }

    /// <summary>
    /// Pings every target until the count, the deadline or <paramref name="cancellationToken"/> ends it (cancellation
    /// ends the run, it does not throw: the report so far is the result, as ping's summary after Ctrl-C).
    /// </summary>
    public static async Task<PingReport> RunAsync(IReadOnlyList<ScanTarget> targets, PingOptions options, IPingObserver? observer = null,
        CancellationToken cancellationToken = default)
    {
        // Every method (ICMP, or TCP/UDP connect timing) runs on probe sockets made of Linux calls.
        if (!ProbeSockets.Supported) throw ProbeSockets.Unsupported();
        var privileges = PingPrivileges.Read();
        Validate(options, privileges);
        var hosts = targets.Select(t => new PingHost(t)).ToList();
        var methods = new List<PingMethodChoice>();
        var runs = new List<Func<Task<TimeSpan>>>();
        var opened = new List<ProbeSocket>();
        try
        {
            foreach (var family in hosts.GroupBy(h => h.Target.Address.AddressFamily))
            {
                var group = family.ToList();
                var (socket, choice) = Choose(family.Key, options, privileges);
                methods.Add(choice);
                observer?.Started(choice, group);
                if (socket is not null)
                {
                    opened.Add(socket);
                    var run = new IcmpPingRun(socket, group, options, observer);
                    run.Prepare();
                    // The ICMP loop blocks in poll(): a thread of its own, not a thread-pool thread.
                    runs.Add(() => Task.Factory.StartNew(() => ProbeSockets.Supported ? run.Run(cancellationToken) : throw ProbeSockets.Unsupported(), CancellationToken.None,
                        TaskCreationOptions.LongRunning, TaskScheduler.Default));
                }
                else
                {
                    var port = new PortPingRun(group, options, choice.Method, choice.Port!.Value, observer);
                    runs.Add(() => ProbeSockets.Supported ? port.RunAsync(cancellationToken) : throw ProbeSockets.Unsupported());
                }
            }
            var elapsed = await Task.WhenAll(runs.Select(r => r())).ConfigureAwait(false);
            return new PingReport(methods, hosts, elapsed.Length == 0 ? TimeSpan.Zero : elapsed.Max());
        }
        finally
        {
            foreach (var s in opened) s.Dispose();
        }
    }

    /// <summary>
    /// The socket for one address family: raw when allowed, else the ICMP datagram socket, else (unless ICMP was
    /// demanded) TCP to the fallback port. Each refusal is the kernel's (EPERM, EACCES), explained from /proc.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static (ProbeSocket? Socket, PingMethodChoice Choice) Choose(AddressFamily family, PingOptions options, PingPrivileges privileges)
    {
        if (options.Method is PingMethod.Tcp or PingMethod.Udp)
            return (null, new PingMethodChoice(options.Method.Value, $"{(options.Method == PingMethod.Tcp ? "--tcp" : "--udp")} was asked for", options.FallbackPort));
        var protocol = family == AddressFamily.InterNetworkV6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp;
        if (options.Method is null or PingMethod.RawIcmp)
        {
            try
            {
                return (ProbeSocket.Open(family, SocketType.Raw, protocol, options.Trace),
                    new PingMethodChoice(PingMethod.RawIcmp, "the process has CAP_NET_RAW" + (Environment.IsPrivilegedProcess ? " (root)" : "")));
            }
            catch (SockException ex) when (ex.SocketError is SocketError.AccessDenied || options.Method is null)
            {
                if (options.Method == PingMethod.RawIcmp) throw;
            }
        }
        var rawRefused = options.Method is null ? "a raw socket needs CAP_NET_RAW" : "--icmp-dgram was asked for";
        try
        {
            return (ProbeSocket.Open(family, SocketType.Dgram, protocol, options.Trace),
                new PingMethodChoice(PingMethod.DatagramIcmp, $"{rawRefused}, and {privileges.RangeText}"));
        }
        catch (SockException ex) when (!options.IcmpOnly && options.Method is null && ex.Kind == SockErrorKind.Network)
        {
            return (null, new PingMethodChoice(PingMethod.Tcp,
                $"{rawRefused} and the ICMP datagram socket was refused ({privileges.RangeText}): timing TCP connects instead (an accept or a refusal both mean the host answered)",
                options.FallbackPort));
        }
        catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
        {
            throw new SockException(SockErrorKind.Network, "open an ICMP socket", null,
                $"{rawRefused} and {privileges.RangeText} (try --tcp PORT)", ex.SocketError, ex);
        }
    }

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
}
