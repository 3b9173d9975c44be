namespace Sock.Core.Scanning;

/// <summary>How far a scan has come.</summary>
/// <param name="Done">Ports with a verdict.</param>
/// <param name="Total">Ports to scan (ports × targets).</param>
/// <param name="Open">Open ports found so far.</param>
/// <param name="InFlight">Probes waiting for an answer now.</param>
/// <param name="Elapsed">Time since the scan began.</param>
public readonly record struct ScanProgress(long Done, long Total, long Open, int InFlight, TimeSpan Elapsed);
