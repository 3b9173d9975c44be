using System.Globalization;
using Sock.Core.Icmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// Prints a ping as iputils ping does: a line per reply (`64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.041 ms`),
/// `From 10.0.1.1 icmp_seq=1 Time to live exceeded` per ICMP error, flood's dots and backspaces, and the summary.
/// </summary>
internal sealed class PingPrinter(TextWriter output, TextWriter error, bool quiet, bool flood, bool timestamps) : IPingObserver
{
    private readonly Lock _gate = new();

    /// <summary>The TCP or UDP port, for the fallback methods' lines.</summary>
    public int Port { get; init; }

    /// <summary>The payload size, for the PING line.</summary>
    public int PayloadSize { get; init; }

    /// <summary>Print the PING line per host (not with --json or -C).</summary>
    public bool Headers { get; init; } = true;

    public void Started(PingMethodChoice method, IReadOnlyList<PingHost> hosts)
    {
        lock (_gate)
        {
            // On stderr, so ping's stdout stays as scripts expect it.
            error.WriteLine($"sock ping: {method.Description}: {method.Reason}");
            if (!Headers) return;
            foreach (var h in hosts) output.WriteLine(Header(h, PayloadSize, method));
            output.Flush();
        }
    }

    public void Sent(PingHost host, int sequence)
    {
        if (!flood || quiet) return;
        lock (_gate)
        {
            output.Write('.');
            output.Flush();
        }
    }

    public void Reply(PingReply reply)
    {
        if (quiet) return;
        lock (_gate)
        {
            if (flood)
            {
                output.Write(reply.ChecksumBad ? "\bC" : "\b \b");
                output.Flush();
                return;
            }
            var line = Stamp(reply.At);
            var from = From(reply.Host, reply.From);
            var seqName = reply.Method switch { PingMethod.Tcp => "tcp_seq", PingMethod.Udp => "udp_seq", _ => "icmp_seq" };
            if (reply.Method is PingMethod.RawIcmp or PingMethod.DatagramIcmp)
                line += $"{reply.Bytes} bytes from {from}: {seqName}={reply.Sequence}";
            else
                line += $"{(reply.Bytes > 0 ? $"{reply.Bytes} bytes " : "")}from {from} port {Port} ({reply.Note}): {seqName}={reply.Sequence}";
            if (reply.Ttl >= 0) line += $" ttl={reply.Ttl}";
            line += $" time={RoundTrip(reply.RoundTripMicros)} ms";
            if (reply.Duplicate) line += " (DUP!)";
            if (reply.ChecksumBad) line += " (BAD CHECKSUM!)";
            output.WriteLine(line);
            output.Flush();
        }
    }

    public void Problem(PingProblem problem)
    {
        if (quiet) return;
        lock (_gate)
        {
            if (flood)
            {
                output.Write("\bE");
                output.Flush();
                return;
            }
            if (problem.From is null)
            {
                error.WriteLine($"sock: ping {problem.Host.Target.Address} icmp_seq={problem.Sequence}: {problem.Text}");
                return;
            }
            output.WriteLine($"{Stamp(problem.At)}From {problem.From} icmp_seq={problem.Sequence} {problem.Text}");
            output.Flush();
        }
    }

    /// <summary>The first line: `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.` (IPv6: `PING ::1(::1) 56 data bytes`).</summary>
    public static string Header(PingHost host, int payload, PingMethodChoice method)
    {
        var t = host.Target;
        var shown = t.Name ?? t.Address.ToString();
        if (method.Method is PingMethod.Tcp)
            return $"PING {shown} ({t.Address}) TCP port {method.Port}: connect time.";
        if (method.Method is PingMethod.Udp)
            return $"PING {shown} ({t.Address}) UDP port {method.Port}: {payload}({payload + 8}) bytes, port unreachable expected.";
        return t.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"PING {shown}({t.Address}) {payload} data bytes"
            : $"PING {shown} ({t.Address}) {payload}({payload + 28}) bytes of data.";
    }

    /// <summary>The summary block, as iputils prints it after a blank line.</summary>
    public static void Summary(TextWriter output, PingHost host, TimeSpan elapsed, bool flood)
    {
        var s = host.Statistics;
        output.WriteLine();
        output.WriteLine($"--- {host.Target.Name ?? host.Target.Address.ToString()} ping statistics ---");
        var line = $"{s.Transmitted} packets transmitted, {s.Received} received";
        if (s.Duplicates > 0) line += $", +{s.Duplicates} duplicates";
        if (s.Corrupted > 0) line += $", +{s.Corrupted} corrupted";
        if (s.Errors > 0) line += $", +{s.Errors} errors";
        if (s.Transmitted > 0)
            line += string.Create(CultureInfo.InvariantCulture, $", {LossText(s.LossPercent)}% packet loss, time {(long)Math.Round(elapsed.TotalMilliseconds)}ms");
        output.WriteLine(line);
        if (s.Received > 0)
        {
            var rtt = $"rtt min/avg/max/mdev = {Micros(s.MinMicros)}/{Micros(s.AvgMicros)}/{Micros(s.MaxMicros)}/{Micros(s.MdevMicros)} ms";
            if (flood && s.Transmitted > 1)
            {
                var ipg = (long)(elapsed.TotalMicroseconds / (s.Transmitted - 1));
                rtt += $", ipg/ewma {Micros(ipg)}/{Micros(s.EwmaMicros)} ms";
            }
            output.WriteLine(rtt);
        }
        else if (s.Transmitted > 0)
        {
            output.WriteLine();
        }
    }

    /// <summary>C's %g for the loss percentage: 0, 20, 33.3333, 100.</summary>
    public static string LossText(double percent) => ((float)percent).ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>µs as ms with three decimals, as iputils' summary (%ld.%03ld).</summary>
    public static string Micros(long micros) => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000}.{micros % 1000:000}");

    /// <summary>A reply's time as iputils prints it: three decimals under 1 ms, two under 10, one under 100, none above.</summary>
    public static string RoundTrip(long t)
    {
        var c = CultureInfo.InvariantCulture;
        if (t >= 100000 - 50) return ((t + 500) / 1000).ToString(c);
        if (t >= 10000 - 5) return string.Create(c, $"{(t + 50) / 1000}.{(t + 50) % 1000 / 100}");
        if (t >= 1000) return string.Create(c, $"{(t + 5) / 1000}.{(t + 5) % 1000 / 10:00}");
        return string.Create(c, $"{t / 1000}.{t % 1000:000}");
    }

    private string Stamp(DateTimeOffset at) => timestamps
        ? string.Create(CultureInfo.InvariantCulture, $"[{at.ToUnixTimeMilliseconds() / 1000}.{(at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 % 1_000_000:000000}] ")
        : "";

    private static string From(PingHost host, System.Net.IPAddress from) =>
        host.Target.Name is { } name && from.Equals(host.Target.Address) ? $"{name} ({from})" : from.ToString();
}
