using Sock.Core.Scanning;

namespace Sock.Cli.Rendering;

/// <summary>What a scan ends with: the report, and the targets that could not be resolved.</summary>
internal sealed record ScanOutcome(ScanReport Report, IReadOnlyList<TargetFailure> Failures);
