namespace Sock.Cli.Rendering;

/// <summary>The JSON shape of a ping run: how it pinged, and each host's counts, iputils' rtt figures and every round trip.</summary>
internal sealed record PingJsonReport(List<PingJsonMethod> Methods, double ElapsedMs, List<PingJsonHost> Hosts, List<PingJsonFailure> Failures);

/// <summary>The method used for one address family, and why.</summary>
internal sealed record PingJsonMethod(string Method, string Description, string Reason, int? Port);

/// <summary>One host's figures (ms, to the microsecond, as ping prints them).</summary>
internal sealed record PingJsonHost(string Target, string Address, string? Name, long Transmitted, long Received, long Duplicates,
    long Corrupted, long Errors, double LossPercent, double? RttMinMs, double? RttAvgMs, double? RttMaxMs, double? RttMdevMs,
    List<double?> RoundTripsMs);

/// <summary>A target that did not resolve.</summary>
internal sealed record PingJsonFailure(string Target, string Reason);
