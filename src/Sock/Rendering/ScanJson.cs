namespace Sock.Cli.Rendering;

/// <summary>The JSON shape of a scan: one entry per host with the ports shown, the counts of every state, and how the scan ran.</summary>
internal sealed record ScanJsonReport(string Protocol, string Timing, double ElapsedSeconds, double PortsPerSecond, long Probes,
    int ParallelCeiling, int PeakInFlight, int PortsPerHost, List<ScanJsonHost> Hosts, List<ScanJsonFailure> Failures);

/// <summary>One scanned address.</summary>
internal sealed record ScanJsonHost(string Target, string Address, string? Name, bool Reachable, ScanJsonCounts Counts, List<ScanJsonPort> Ports);

/// <summary>How many ports of a host ended in each state.</summary>
internal sealed record ScanJsonCounts(int Open, int Closed, int Filtered, int OpenFiltered);

/// <summary>One port's verdict.</summary>
internal sealed record ScanJsonPort(int Port, string Protocol, string State, string Reason, string? Service, int Tries, double? RttMs, string? Banner);

/// <summary>A target that could not be scanned.</summary>
internal sealed record ScanJsonFailure(string Target, string Reason);
