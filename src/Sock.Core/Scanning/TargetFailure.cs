namespace Sock.Core.Scanning;

/// <summary>A target that produced no address to scan: the name did not resolve.</summary>
/// <param name="Input">The target as typed.</param>
/// <param name="Reason">Why it failed, in a few words.</param>
public sealed record TargetFailure(string Input, string Reason);
