using System.Net;

namespace Sock.Core.Scanning;

/// <summary>One address a scan probes, with the text the user typed that produced it (a name, an address, a CIDR range).</summary>
/// <param name="Input">The target as typed: "localhost", "127.0.0.1", "127.0.0.0/30".</param>
/// <param name="Address">The address probed.</param>
/// <param name="Name">The host name when the target was a name, else null.</param>
public sealed record ScanTarget(string Input, IPAddress Address, string? Name)
{
    /// <summary>"localhost (127.0.0.1)" or "127.0.0.1".</summary>
    public override string ToString() => Name is null ? Address.ToString() : $"{Name} ({Address})";
}
