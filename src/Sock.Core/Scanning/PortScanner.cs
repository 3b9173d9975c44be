using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;
using System.Globalization;
using Sock.Core.Errors;

namespace Sock.Core.Scanning;

/// <summary>
/// Scans ports: TCP with a connect per port (no privileges needed, as nmap -sT), UDP with a datagram per port
/// (as nmap -sU, with protocol payloads where a service only answers a well-formed request).
/// </summary>
public static class PortScanner
{
    /// <summary>
    /// The most probes (targets × ports) one scan may hold: a /16 × 256 ports, or 256 hosts × every port. More is a
    /// usage error naming the product, never an arithmetic overflow or gigabytes of state.
    /// </summary>
    public const long MaxProbes = 1L << 24;

    /// <summary>Throws the usage error for a scan of more than <see cref="MaxProbes"/> probes.</summary>
    internal static void CheckSize(int targets, int ports)
    {
        var probes = (long)targets * ports;
        if (probes <= MaxProbes) return;
        throw SockException.Usage("scan", string.Create(CultureInfo.InvariantCulture,
                $"of {targets:N0} {(targets == 1 ? "address" : "addresses")} x {ports:N0} ports"),
            string.Create(CultureInfo.InvariantCulture,
                $"{probes:N0} probes, more than the {MaxProbes:N0} one scan may hold (scan fewer ports or a smaller range)"));
    }

    /// <summary>
    /// Connect-scans <paramref name="ports"/> on every target. The scan always completes: each port gets a verdict
    /// (open, closed or filtered). Throws only when the system cannot give a single socket, or when cancelled.
    /// </summary>
    public static Task<ScanReport> ScanTcpAsync(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports,
        ScanOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScanOptions();
        return ScanTcpCoreAsync(targets, ports, options, options.ListClosed, cancellationToken);
    }

    private static Task<ScanReport> ScanTcpCoreAsync(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports,
        ScanOptions options, bool listClosed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(ports);
        CheckSize(targets.Count, ports.Count);
        if (options.Proxy is not null)
            return new ProxyConnectScan(targets, ports, options, listClosed).RunAsync(cancellationToken);
        return UsesEpoll(options)
            ? new EpollConnectScan(targets, ports, options, listClosed).RunAsync(cancellationToken)
            : new PortableConnectScan(targets, ports, options, listClosed).RunAsync(cancellationToken);
    }

    /// <summary>
    /// The engine: on Linux the epoll loop (the fast path), elsewhere or when asked for
    /// (<see cref="ScanEngine.Portable"/>) the System.Net.Sockets one (SocketAsyncEventArgs). Both give the same
    /// verdicts; the tests hold both to nmap's.
    /// </summary>
    [SupportedOSPlatformGuard("linux")]
    internal static bool UsesEpoll(ScanOptions options) => options.Engine switch
    {
        ScanEngine.Portable => false,
        ScanEngine.Epoll => Epoll.Supported,
        _ => Epoll.Supported,
    };

    /// <summary>
    /// Probes <paramref name="ports"/> over UDP on every target: open when a datagram comes back, closed when an ICMP
    /// port unreachable does, open|filtered when nothing does after every retry.
    /// </summary>
    public static Task<ScanReport> ScanUdpAsync(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports,
        ScanOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(ports);
        CheckSize(targets.Count, ports.Count);
        return new UdpProbeScan(targets, ports, options ?? new ScanOptions()).RunAsync(cancellationToken);
    }

    /// <summary>Checks one TCP port: the single-port case of <see cref="ScanTcpAsync"/> (what a netcat -z answers).</summary>
    public static async Task<PortResult> CheckTcpAsync(ScanTarget target, int port, ScanOptions? options = null,
        CancellationToken cancellationToken = default) =>
        (await ScanTcpCoreAsync([target], [port], options ?? new ScanOptions(), listClosed: true, cancellationToken).ConfigureAwait(false)).Results[0];
}
