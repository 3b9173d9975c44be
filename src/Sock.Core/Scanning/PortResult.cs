namespace Sock.Core.Scanning;

/// <summary>The verdict on one port of one target.</summary>
/// <param name="Target">The address probed.</param>
/// <param name="Port">The port.</param>
/// <param name="Protocol">"tcp" or "udp".</param>
/// <param name="State">The verdict.</param>
/// <param name="Reason">What the verdict rests on, in nmap's words: syn-ack, conn-refused, no-response, host-unreach, udp-response, port-unreach.</param>
/// <param name="Tries">How many probes were sent.</param>
/// <param name="Rtt">The time the answer took, when one came.</param>
public sealed record PortResult(ScanTarget Target, int Port, string Protocol, PortState State, string Reason, int Tries, TimeSpan? Rtt)
{
    /// <summary>The first bytes the service sent after the connection opened, when banners were asked for and some came.</summary>
    public byte[]? Banner { get; init; }
}
