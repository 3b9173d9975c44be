namespace Sock.Core.Scanning;

/// <summary>
/// Scans ports: TCP with a connect per port (no privileges needed, as nmap -sT), UDP with a datagram per port
/// (as nmap -sU, with protocol payloads where a service only answers a well-formed request).
/// </summary>
public static class PortScanner
{
    /// <summary>
    /// Connect-scans <paramref name="ports"/> on every target. The scan always completes: each port gets a verdict
    /// (open, closed or filtered). Throws only when the system cannot give a single socket, or when cancelled.
    /// </summary>
    public static Task<ScanReport> ScanTcpAsync(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports,
        ScanOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScanOptions();
        return UsesEpoll(options)
            ? new EpollConnectScan(targets, ports, options).RunAsync(cancellationToken)
            : new TcpConnectScan(targets, ports, options).RunAsync(cancellationToken);
    }

    /// <summary>
    /// The engine: on Linux the epoll loop (the fast path), elsewhere or when SOCK_SCAN_ENGINE=portable the
    /// System.Net.Sockets one (SocketAsyncEventArgs). Both give the same verdicts; the tests hold both to nmap's.
    /// </summary>
    internal static bool UsesEpoll(ScanOptions options) => options.Engine switch
    {
        ScanEngine.Portable => false,
        ScanEngine.Epoll => LinuxSockets.Supported,
        _ => LinuxSockets.Supported && Environment.GetEnvironmentVariable("SOCK_SCAN_ENGINE") is not "portable",
    };

    /// <summary>
    /// Probes <paramref name="ports"/> over UDP on every target: open when a datagram comes back, closed when an ICMP
    /// port unreachable does, open|filtered when nothing does after every retry.
    /// </summary>
    public static Task<ScanReport> ScanUdpAsync(IReadOnlyList<ScanTarget> targets, IReadOnlyList<int> ports,
        ScanOptions? options = null, CancellationToken cancellationToken = default) =>
        new UdpProbeScan(targets, ports, options ?? new ScanOptions()).RunAsync(cancellationToken);

    /// <summary>Checks one TCP port: the single-port case of <see cref="ScanTcpAsync"/> (what a netcat -z answers).</summary>
    public static async Task<PortResult> CheckTcpAsync(ScanTarget target, int port, ScanOptions? options = null,
        CancellationToken cancellationToken = default) =>
        (await ScanTcpAsync([target], [port], options, cancellationToken).ConfigureAwait(false)).Results[0];
}
