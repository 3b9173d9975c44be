using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Icmp;

/// <summary>
/// Ping without ICMP sockets: the time a TCP connect takes to be accepted or refused (either way the host answered,
/// as tcping and hping -S count it), or the time until a UDP datagram to a closed port brings back the host's ICMP port
/// unreachable, read from the IP_RECVERR error queue. One request per host per round, as the ICMP ping.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class PortPingRun(IReadOnlyList<PingHost> hosts, PingOptions options, PingMethod method, int port, IPingObserver? observer)
{
    private readonly Lock _gate = new();

    public async Task<TimeSpan> RunAsync(CancellationToken cancellationToken)
    {
        var count = options.Count ?? int.MaxValue;
        ProbeSocket.WarmUp();
        var clock = Stopwatch.StartNew();
        var probes = new List<Task>();
        var interval = options.Interval == TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : options.Interval;
        // Each probe waits at most -W (10 s unless given, ping's linger).
        var perProbe = options.Timeout;
        try
        {
            for (var round = 0; round < count && !cancellationToken.IsCancellationRequested; round++)
            {
                if (options.Deadline is { } d && clock.Elapsed >= d) break;
                foreach (var h in hosts)
                {
                    int seq;
                    lock (_gate)
                    {
                        seq = h.Statistics.Transmitted < int.MaxValue ? (int)++h.Statistics.Transmitted : 0;
                        h.AddRequest(options.RoundTripHistory);
                        observer?.Sent(h, seq);
                    }
                    probes.Add(Task.Factory.StartNew(() =>
                    {
                        if (method == PingMethod.Tcp) TcpProbe(h, seq, perProbe, cancellationToken);
                        else UdpProbe(h, seq, perProbe, cancellationToken);
                    }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
                }
                probes.RemoveAll(t => t.IsCompleted);
                if (round + 1 < count)
                {
                    var next = interval * (round + 1) - clock.Elapsed;
                    if (options.Deadline is { } dl && clock.Elapsed + next > dl) next = dl - clock.Elapsed;
                    if (next > TimeSpan.Zero) await Task.Delay(next, cancellationToken).ConfigureAwait(false);
                }
            }
            await Task.WhenAll(probes).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return clock.Elapsed;
    }

    private void TcpProbe(PingHost host, int seq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var remote = new IPEndPoint(host.Target.Address, port);
        using var socket = ProbeSocket.Open(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp, options.Trace);
        if (options.Ttl is { } ttl) socket.SetTtl(ttl);
        // A non-blocking connect and poll: the clock runs from the SYN to the SYN-ACK or RST, with nothing else in between.
        var sw = Stopwatch.StartNew();
        var error = socket.StartConnect(remote);
        while (error == SocketError.InProgress && sw.Elapsed < timeout && !cancellationToken.IsCancellationRequested)
        {
            var left = timeout - sw.Elapsed;
            if (socket.Wait((int)Math.Min(100, Math.Ceiling(left.TotalMilliseconds)), Poll.Out) != 0)
                error = socket.PendingError();
        }
        var micros = (long)sw.Elapsed.TotalMicroseconds;
        if (error is SocketError.Success or SocketError.ConnectionRefused)
        {
            Answered(host, seq, micros, -1, host.Target.Address, error == SocketError.Success ? "open" : "refused", 0);
            return;
        }
        if (error == SocketError.InProgress) return; // silence: lost, as a missing echo reply
        lock (_gate)
        {
            host.Statistics.Errors++;
            observer?.Problem(new PingProblem(host, seq, host.Target.Address, SocketErrorText.Describe(error), DateTimeOffset.Now));
        }
    }

    private void UdpProbe(PingHost host, int seq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var remote = new IPEndPoint(host.Target.Address, port);
        using var socket = ProbeSocket.Open(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp, options.Trace);
        socket.EnableErrorQueue();
        socket.EnableTimestamps();
        socket.EnableTtlReport();
        if (options.Ttl is { } ttl) socket.SetTtl(ttl);
        var payload = new byte[Math.Max(0, options.PayloadSize)];
        var buffer = new byte[65536];
        var sentAt = NowNs();
        var sw = Stopwatch.StartNew();
        var error = socket.SendTo(payload, remote);
        if (error != SocketError.Success)
        {
            lock (_gate)
            {
                host.Statistics.Errors++;
                observer?.Problem(new PingProblem(host, seq, null, $"sendmsg: {SocketErrorText.Describe(error)}", DateTimeOffset.Now));
            }
            return;
        }
        while (sw.Elapsed < timeout && !cancellationToken.IsCancellationRequested)
        {
            var left = timeout - sw.Elapsed;
            var events = socket.Wait((int)Math.Min(100, Math.Ceiling(left.TotalMilliseconds)));
            if (events == 0) continue;
            if (socket.TryReceive(buffer, true, out var p) && p.Error is { } e)
            {
                var rtt = Math.Max(0, ((p.KernelTimeNs != 0 ? p.KernelTimeNs : NowNs()) - sentAt) / 1000);
                var v6 = e.Origin == ExtendedErrorOrigin.Icmp6;
                if (e.Origin is ExtendedErrorOrigin.Icmp or ExtendedErrorOrigin.Icmp6 && IcmpTypes.IsPortUnreachable(e.Type, e.Code, v6))
                    Answered(host, seq, rtt, -1, e.Offender ?? host.Target.Address, "port unreachable", payload.Length + 8);
                else
                    lock (_gate)
                    {
                        host.Statistics.Errors++;
                        observer?.Problem(new PingProblem(host, seq, e.Offender, e.Origin is ExtendedErrorOrigin.Icmp or ExtendedErrorOrigin.Icmp6
                            ? IcmpTypes.Describe(e.Type, e.Code, e.Info, v6) : $"local error: errno {e.Errno}", DateTimeOffset.Now));
                    }
                return;
            }
            if (socket.TryReceive(buffer, false, out var d))
            {
                var rtt = Math.Max(0, ((d.KernelTimeNs != 0 ? d.KernelTimeNs : NowNs()) - sentAt) / 1000);
                Answered(host, seq, rtt, d.Ttl, d.From?.Address ?? host.Target.Address, "udp reply", d.Length);
                return;
            }
        }
    }

    private void Answered(PingHost host, int seq, long micros, int ttl, IPAddress from, string note, int bytes)
    {
        lock (_gate)
        {
            host.Statistics.Received++;
            host.Statistics.AddRoundTrip(micros);
            if (seq - 1 < host.RoundTrips.Count && seq >= 1) host.RoundTrips[seq - 1] = micros / 1000.0;
            observer?.Reply(new PingReply(host, seq, bytes, ttl, micros, false, false, from, method, note, DateTimeOffset.Now));
        }
    }

    private static long NowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
